"""The simulated world around a station on mock pins.

What a custodian's hands and the enclosure would do to real switches, done
to gpiozero mock pins: seals taken out and put back, the plunger pressed, the
lid opened. Demos, tests and rehearsals drive a station through this one
object; the devices themselves cannot tell it from real wiring.
"""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory, MockPin

from hardware.sensors import DebouncedSwitch
from hardware.station import SealSlot, Station, StationSpec

SETTLE_TIMEOUT = 30.0  # a bound for a stuck test, not an expected time


class SimulatedWorld:
    """Drives the input pins of *spec* on *factory*. Contacts go to ground
    when closed, as wired (see :mod:`hardware.sensors`). Given the *station*
    built on those pins, each action waits until the station has noticed it
    (debounced, callbacks run), as a hand would hold a button that long."""

    def __init__(
        self, factory: MockFactory, spec: StationSpec, station: Station | None = None
    ) -> None:
        self.factory = factory
        self.spec = spec
        self.station = station
        self._slots = {slot.name: slot for slot in spec.slots}

    def _pin(self, number: int) -> MockPin:
        return self.factory.pin(number)

    def _contact(self, number: int, closed: bool) -> None:
        pin = self._pin(number)
        if closed:
            pin.drive_low()
        else:
            pin.drive_high()

    def settle_normal(self, station: Station | None = None) -> None:
        """Every seal home, every plunger up, the lid shut; with *station*, wait
        until its debounced sensors report so. (Making an input device sets
        a mock pin to its pull, so call this after the station is built.)"""
        for slot in self.spec.slots:
            self._contact(slot.sleeve, True)
            self._contact(slot.plunger, False)
        if self.spec.lid is not None:
            self._contact(self.spec.lid, True)
        if station is None:
            return
        for seal in station.slots.values():
            seal.sleeve.wait_for(True, SETTLE_TIMEOUT)
            seal.plunger.wait_for(False, SETTLE_TIMEOUT)
        if station.lid is not None:
            station.lid.wait_for(True, SETTLE_TIMEOUT)

    def _noticed(self, switch: DebouncedSwitch | None, closed: bool) -> None:
        if self.station is not None and switch is not None:
            switch.wait_for(closed, SETTLE_TIMEOUT)

    def _seal(self, slot: str) -> SealSlot | None:
        return self.station.slots.get(slot) if self.station is not None else None

    def press(self, slot: str) -> None:
        self._contact(self._slots[slot].plunger, True)
        seal = self._seal(slot)
        self._noticed(seal.plunger if seal else None, True)

    def release(self, slot: str) -> None:
        self._contact(self._slots[slot].plunger, False)
        seal = self._seal(slot)
        self._noticed(seal.plunger if seal else None, False)

    def take_seal(self, slot: str) -> None:
        self._contact(self._slots[slot].sleeve, False)
        seal = self._seal(slot)
        self._noticed(seal.sleeve if seal else None, False)

    def return_seal(self, slot: str) -> None:
        self._contact(self._slots[slot].sleeve, True)
        seal = self._seal(slot)
        self._noticed(seal.sleeve if seal else None, True)

    def open_lid(self) -> None:
        if self.spec.lid is not None:
            self._contact(self.spec.lid, False)
            self._noticed(self.station.lid if self.station else None, False)

    def shut_lid(self) -> None:
        if self.spec.lid is not None:
            self._contact(self.spec.lid, True)
            self._noticed(self.station.lid if self.station else None, True)

    def level(self, number: int) -> float:
        """The level on output pin *number*: 0 low, 1 high, between: PWM duty."""
        return float(self._pin(number).state)
