"""A station is built whole or not at all, and closes locks first."""

from __future__ import annotations

import pytest
from gpiozero.exc import GPIOPinInUse
from gpiozero.pins.mock import MockFactory

from hardware.errors import PinBusyError
from hardware.failsafe import FailSafe
from hardware.lock import LockState, LockTiming
from hardware.simulation import SimulatedWorld
from hardware.station import SlotSpec, Station, StationSpec
from tests.hardware.recorders import STUCK, LockTrace, SettleTimers, levels

SPEC = StationSpec(
    slots=(SlotSpec("committee", "村民委员会印章", lock=27, sleeve=13, plunger=19),),
    lid=26,
    lamp=(16, 20, 21),
    buzzer=12,
    lock_timing=LockTiming(pull_in_seconds=0.05, hold_duty=0.4, max_on_seconds=30),
    settle_seconds=0.02,
)


def test_a_built_station_reads_the_simulated_world(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    with Station.build(SPEC, pin_factory=factory, failsafe=failsafe) as station:
        world = SimulatedWorld(factory, SPEC)
        world.settle_normal(station)
        slot = station.slots["committee"]
        assert slot.sleeve.is_present and not slot.plunger.is_pressed
        assert station.lid is not None and not station.lid.is_open
        world.open_lid()
        assert station.lid.wait_for(False, timeout=STUCK)
        world.take_seal("committee")
        assert slot.sleeve.wait_for(False, timeout=STUCK)
        names = [name for name, _ in station.devices()]
        assert names == ["lock committee", "sleeve committee", "plunger committee", "lid",
                         "lamp", "buzzer"]


def test_closing_a_station_locks_an_open_seal(factory: MockFactory, failsafe: FailSafe) -> None:
    station = Station.build(SPEC, pin_factory=factory, failsafe=failsafe)
    trace = LockTrace(station.slots["committee"].lock)
    station.slots["committee"].lock.unlock(30)
    assert trace.changes == [(LockState.PULLING_IN, 1.0)]  # energised: the seal is open
    station.close()
    station.close()
    assert factory.pin(27).state == 0
    assert trace.states[-1] is LockState.LOCKED
    assert levels(factory.pin(27))[:2] == [0.0, 1.0] and levels(factory.pin(27))[-1] == 0.0


def test_a_failed_build_releases_everything_it_made(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    clash = StationSpec(slots=SPEC.slots, lid=26, buzzer=26)  # the buzzer on the lid's pin
    with pytest.raises(GPIOPinInUse):
        Station.build(clash, pin_factory=factory, failsafe=failsafe)
    # nothing half-started: every pin is free again and the lock rests low
    assert factory.pin(27).state == 0
    with Station.build(SPEC, pin_factory=factory, failsafe=failsafe) as station:
        assert station.slots["committee"].lock.is_locked


class LgpioError(Exception):
    """What lgpio raises (``lgpio.error``) for a line another process claimed."""


def test_a_line_another_process_holds_is_named_as_such(
    factory: MockFactory, failsafe: FailSafe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another station process (or the doctor while the station runs) holds
    the sleeve's line: one clear error, and the lock made before is let go
    low, as after any failed build."""
    claim = factory.pin

    def held_elsewhere(spec: object, **kwargs: object) -> object:
        if spec == 13:
            raise LgpioError("'GPIO busy'")
        return claim(spec, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(factory, "pin", held_elsewhere)
    with pytest.raises(PinBusyError, match=r"held by another process .*'GPIO busy'.*gpioinfo"):
        Station.build(SPEC, pin_factory=factory, failsafe=failsafe)
    monkeypatch.undo()
    assert factory.pin(27).state == 0
    with Station.build(SPEC, pin_factory=factory, failsafe=failsafe) as station:
        assert station.slots["committee"].lock.is_locked


def test_pin_uses_lists_every_device() -> None:
    assert sorted(pin for _, pin in SPEC.pin_uses()) == [12, 13, 16, 19, 20, 21, 26, 27]


def test_press_while_watching(factory: MockFactory, failsafe: FailSafe) -> None:
    timers = SettleTimers()
    with Station.build(SPEC, pin_factory=factory, failsafe=failsafe,
                       timer_factory=timers) as station:
        world = SimulatedWorld(factory, SPEC)
        world.settle_normal()
        timers.elapse()
        presses: list[str] = []
        station.slots["committee"].plunger.when_closed = lambda: presses.append("press")
        world.press("committee")
        world.release("committee")  # too quick to count: a bounce
        world.press("committee")
        assert presses == []  # nothing before the contact has settled
        timers.elapse()
        assert presses == ["press"]
        assert timers.seconds == {SPEC.settle_seconds}  # the spec's settling time
