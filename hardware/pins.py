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
from hardware.pin_numbers import HEADER_BCM_PINS as HEADER_BCM_PINS
from hardware.pin_numbers import PULLED_LOW_AT_BOOT as PULLED_LOW_AT_BOOT
from hardware.pin_numbers import REAL_FACTORIES as REAL_FACTORIES

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
