"""Pin factories: real pins through gpiozero's own factories, or mock pins.

Simulation is always chosen explicitly. :func:`real_pin_factory` never falls
back to mock pins: a seal controller that "locks" a mock solenoid while the
real one hangs open is a security hole, so it fails loudly instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from gpiozero import Factory
from gpiozero.pins.mock import MockFactory, MockPWMPin

from hardware.errors import PinFactoryError

#: BCM numbers of the GPIOs on the 40-pin header that devices may use. GPIO 0
#: and 1 are kept for the HAT identification EEPROM.
HEADER_BCM_PINS: frozenset[int] = frozenset(range(2, 28))

#: GPIOs that the Pi's firmware pulls low from power-on until Linux drives them
#: (GPIO 0-8 are pulled high). A solenoid on one of these stays de-energised,
#: and so locked, while the Pi boots, hangs or is dead.
PULLED_LOW_AT_BOOT: frozenset[int] = frozenset(range(9, 28))

#: gpiozero's real pin factories, by the names its entry points use.
REAL_FACTORIES: dict[str, str] = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
}

#: Tried in this order when no factory is named. Both drive PWM, which the
#: lock's hold duty needs; "native" cannot, so it is only used when named.
DEFAULT_REAL_ORDER: tuple[str, ...] = ("lgpio", "rpigpio")


def mock_pin_factory() -> MockFactory:
    """A fresh simulated board whose pins all support PWM."""
    return MockFactory(pin_class=MockPWMPin)


def real_pin_factory(name: str | None = None) -> Factory:
    """Start gpiozero's real pin factory *name* (or the first that works of
    :data:`DEFAULT_REAL_ORDER`). Raises :class:`PinFactoryError`, never
    returns mock pins."""
    names: Sequence[str] = (name,) if name else DEFAULT_REAL_ORDER
    failures: list[str] = []
    for candidate in names:
        target = REAL_FACTORIES.get(candidate)
        if target is None:
            known = ", ".join(REAL_FACTORIES)
            raise PinFactoryError(
                f"unknown pin factory {candidate!r}: choose one of {known}"
            )
        module_name, class_name = target.split(":")
        try:
            module = importlib.import_module(module_name)
            return getattr(module, class_name)()
        except Exception as error:  # each library fails in its own way
            failures.append(f"{candidate}: {error}")
    tried = "; ".join(failures)
    raise PinFactoryError(
        f"no real GPIO pin factory could be started ({tried}). On a Raspberry Pi, "
        "install python3-lgpio (setup.sh does) and run as a user in the 'gpio' "
        "group; on a development machine, run with --simulate."
    )


def factory_description(factory: Factory) -> str:
    """One line for a technician: which pins these are."""
    if isinstance(factory, MockFactory):
        return "simulated pins (gpiozero MockFactory): no real hardware is driven"
    name = type(factory).__name__
    try:
        board = factory.board_info
        return f"{name} on {board.model} rev {board.revision}"
    except Exception:
        return name


def bcm_of(device: object) -> int:
    """The BCM number of a gpiozero device's pin."""
    name: str = device.pin.info.name  # type: ignore[attr-defined]
    return int(name.removeprefix("GPIO"))
