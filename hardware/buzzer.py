"""The station's buzzer (an active buzzer: it sounds while its pin is high)."""

from __future__ import annotations

from gpiozero import Buzzer, Factory

from hardware.patterns import BUZZER_PATTERNS, Signal
from hardware.pins import bcm_of


class StatusBuzzer:
    """Sounds a :class:`~hardware.patterns.Signal`; beeps run in the background."""

    def __init__(self, pin: int, *, pin_factory: Factory | None = None) -> None:
        self.signal = Signal.OFF
        self._buzzer = Buzzer(pin, pin_factory=pin_factory)

    @property
    def pin(self) -> int:
        return bcm_of(self._buzzer)

    def sound(self, signal: Signal) -> None:
        pattern = BUZZER_PATTERNS[signal]
        self.signal = signal
        self._buzzer.off()
        if pattern.beeps == 0:
            return
        self._buzzer.beep(
            on_time=pattern.on_seconds,
            off_time=pattern.off_seconds,
            n=pattern.beeps,
            background=True,
        )

    @property
    def is_sounding(self) -> bool:
        return bool(self._buzzer.is_active)

    def close(self) -> None:
        self._buzzer.close()

    def __enter__(self) -> StatusBuzzer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
