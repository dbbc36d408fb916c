"""A station: the devices of one village-hall device composed together.

A seal station has one to three seal slots (a lock, a sleeve sensor and a
plunger sensor each), an enclosure lid switch, a status lamp, a buzzer and
perhaps a receipt printer. A kiosk has no slots; it may have a printer, lamp
and buzzer. :meth:`Station.build` makes every device from a
:class:`StationSpec` or none: if one fails, those already made are closed
(locks first) and the error is raised.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from gpiozero import Factory

from hardware.buzzer import StatusBuzzer
from hardware.errors import PinBusyError
from hardware.failsafe import PROCESS_FAILSAFE, FailSafe
from hardware.lamp import StatusLamp
from hardware.lock import SealLock
from hardware.patterns import Signal
from hardware.pin_busy import line_busy
from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor, TimerFactory
from hardware.station_spec import SlotSpec as SlotSpec  # the settings, kept apart
from hardware.station_spec import StationSpec as StationSpec

if TYPE_CHECKING:
    from hardware.printer import ReceiptPrinter

log = logging.getLogger(__name__)


class SealSlot:
    """One seal in its locked sleeve."""

    def __init__(
        self,
        name: str,
        label: str,
        *,
        lock: SealLock,
        sleeve: SleeveSensor,
        plunger: PlungerSensor,
    ) -> None:
        self.name = name
        self.label = label
        self.lock = lock
        self.sleeve = sleeve
        self.plunger = plunger

    def close(self) -> None:
        self.lock.close()
        self.sleeve.close()
        self.plunger.close()

    def __repr__(self) -> str:
        return f"<SealSlot {self.name} {self.lock.state.value}>"


class Station:
    """The hardware of one device."""

    def __init__(
        self,
        *,
        slots: Sequence[SealSlot] = (),
        lid: LidSensor | None = None,
        lamp: StatusLamp | None = None,
        buzzer: StatusBuzzer | None = None,
        printer: ReceiptPrinter | None = None,
    ) -> None:
        self.slots = {slot.name: slot for slot in slots}
        self.lid = lid
        self.lamp = lamp
        self.buzzer = buzzer
        self.printer = printer
        self.pin_factory: Factory | None = None  # set by build(): the pins these devices use
        self._closed = False

    @classmethod
    def build(
        cls,
        spec: StationSpec,
        *,
        pin_factory: Factory,
        failsafe: FailSafe | None = PROCESS_FAILSAFE,
        timer_factory: TimerFactory | None = None,
    ) -> Station:
        """Make every pin device of *spec*; attach a printer afterwards.
        *timer_factory* makes the switches' settling timers (see
        :class:`~hardware.sensors.DebouncedSwitch`). A line another process
        holds is a :class:`~hardware.errors.PinBusyError`."""
        try:
            return cls._build(spec, pin_factory, failsafe, timer_factory)
        except Exception as error:
            if not line_busy(error):
                raise
            raise PinBusyError(
                f"a GPIO line of this station is held by another process ({error}): is "
                "the seal station already running? Stop the other process first "
                "('gpioinfo' lists the lines in use and who holds them)") from error

    @classmethod
    def _build(cls, spec: StationSpec, pin_factory: Factory, failsafe: FailSafe | None,
               timer_factory: TimerFactory | None) -> Station:
        with contextlib.ExitStack() as made:
            slots = []
            # Locks first: every solenoid is driven low before anything else.
            locks = {}
            for slot in spec.slots:
                lock = SealLock(
                    slot.lock,
                    timing=spec.lock_timing,
                    pin_factory=pin_factory,
                    failsafe=failsafe,
                    name=f"lock {slot.name}",
                )
                made.callback(lock.close)
                locks[slot.name] = lock
            for slot in spec.slots:
                sleeve = SleeveSensor(slot.sleeve, settle_seconds=spec.settle_seconds,
                                      pin_factory=pin_factory, name=f"sleeve {slot.name}",
                                      timer_factory=timer_factory)
                made.callback(sleeve.close)
                plunger = PlungerSensor(slot.plunger, settle_seconds=spec.settle_seconds,
                                        pin_factory=pin_factory, name=f"plunger {slot.name}",
                                        timer_factory=timer_factory)
                made.callback(plunger.close)
                slots.append(SealSlot(slot.name, slot.label, lock=locks[slot.name],
                                      sleeve=sleeve, plunger=plunger))
            lid = None
            if spec.lid is not None:
                lid = LidSensor(
                    spec.lid, settle_seconds=spec.settle_seconds, pin_factory=pin_factory,
                    name="lid", timer_factory=timer_factory,
                )
                made.callback(lid.close)
            lamp = None
            if spec.lamp is not None:
                lamp = StatusLamp(spec.lamp, kind=spec.lamp_kind, pin_factory=pin_factory)
                made.callback(lamp.close)
            buzzer = None
            if spec.buzzer is not None:
                buzzer = StatusBuzzer(spec.buzzer, pin_factory=pin_factory)
                made.callback(buzzer.close)
            station = cls(slots=slots, lid=lid, lamp=lamp, buzzer=buzzer)
            station.pin_factory = pin_factory
            made.pop_all()
            return station

    def signal(self, signal: Signal) -> None:
        """Show *signal* on the lamp and sound it on the buzzer."""
        if self.lamp is not None:
            self.lamp.show(signal)
        if self.buzzer is not None:
            self.buzzer.sound(signal)

    def lock_all(self) -> None:
        for slot in self.slots.values():
            slot.lock.lock()

    def devices(self) -> Iterator[tuple[str, object]]:
        """Every device with a name a technician recognises."""
        for slot in self.slots.values():
            yield f"lock {slot.name}", slot.lock
            yield f"sleeve {slot.name}", slot.sleeve
            yield f"plunger {slot.name}", slot.plunger
        for name in ("lid", "lamp", "buzzer", "printer"):
            device = getattr(self, name)
            if device is not None:
                yield name, device

    def close(self) -> None:
        """Lock every slot, then release every device. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.lock_all()
        for slot in self.slots.values():
            slot.close()
        for device in (self.lid, self.lamp, self.buzzer, self.printer):
            if device is not None:
                device.close()

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
