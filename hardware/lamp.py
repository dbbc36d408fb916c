"""The station's status lamp: one RGB LED, or a tower of three LEDs."""

from __future__ import annotations

import logging

from gpiozero import RGBLED, Factory, LEDBoard

from hardware.patterns import LAMP_PATTERNS, Colour, Signal
from hardware.pins import bcm_of
from hardware.station_spec import LampKind

log = logging.getLogger(__name__)


#: Colour mixes for an RGB LED driven with PWM.
RGB_MIX: dict[Colour, tuple[float, float, float]] = {
    "red": (1.0, 0.0, 0.0),
    "yellow": (1.0, 0.6, 0.0),
    "green": (0.0, 1.0, 0.0),
}


class StatusLamp:
    """Shows a :class:`~hardware.patterns.Signal`.

    ``kind="rgb"``: *pins* are the red, green and blue legs of one LED.
    ``kind="tower"``: *pins* are a red, a yellow and a green LED.
    """

    def __init__(
        self,
        pins: tuple[int, int, int],
        *,
        kind: LampKind = "rgb",
        pin_factory: Factory | None = None,
    ) -> None:
        self.kind = kind
        self.signal = Signal.OFF
        first, second, third = pins
        if kind == "rgb":
            self._leds: RGBLED | LEDBoard = RGBLED(
                first, second, third, pwm=True, pin_factory=pin_factory
            )
        elif kind == "tower":
            self._leds = LEDBoard(
                red=first, yellow=second, green=third, pwm=False, pin_factory=pin_factory
            )
        else:
            raise ValueError(f"lamp kind must be 'rgb' or 'tower', got {kind!r}")

    @property
    def pins(self) -> tuple[int, ...]:
        leds = self._leds.leds if isinstance(self._leds, LEDBoard) else self._leds._leds
        return tuple(bcm_of(led) for led in leds)

    def show(self, signal: Signal) -> None:
        """Switch to *signal*'s pattern; blinking runs in the background."""
        pattern = LAMP_PATTERNS[signal]
        self.signal = signal
        self._leds.off()
        if pattern.colour is None:
            return
        blinking = pattern.on_seconds is not None
        if isinstance(self._leds, RGBLED):
            colour = RGB_MIX[pattern.colour]
            if blinking:
                self._leds.blink(
                    on_time=pattern.on_seconds,
                    off_time=pattern.off_seconds,
                    on_color=colour,
                )
            else:
                self._leds.color = colour
            return
        led = getattr(self._leds, pattern.colour)
        if blinking:
            led.blink(on_time=pattern.on_seconds, off_time=pattern.off_seconds)
        else:
            led.on()

    def close(self) -> None:
        self._leds.close()

    def __enter__(self) -> StatusLamp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
