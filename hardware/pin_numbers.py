"""The GPIO numbers devices may use and the names of gpiozero's real pin
factories: what the configuration checks its pins against, importable
without gpiozero (:mod:`hardware.pins` makes the factories)."""

from __future__ import annotations

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
