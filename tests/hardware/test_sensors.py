"""The station's switches on mock pins: settled changes only, and a cut wire
reads as the alarming state.

The edges are driven on the mock pins in the test's own thread; the settling
time passes when the test says so (:class:`SettleTimers`), so a bounce is a
bounce however busy the machine is."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory, MockPin

from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor
from tests.hardware.recorders import STUCK, SettleTimers

SETTLE = 0.03


@pytest.fixture
def timers() -> SettleTimers:
    return SettleTimers()


def bounce(pin: MockPin, final_low: bool, times: int = 6) -> None:
    for _ in range(times):
        pin.drive_low()
        pin.drive_high()
    if final_low:
        pin.drive_low()


def test_a_bouncing_press_is_one_press_and_one_release(
    factory: MockFactory, timers: SettleTimers
) -> None:
    with PlungerSensor(23, settle_seconds=SETTLE, pin_factory=factory,
                       timer_factory=timers) as plunger:
        events: list[str] = []
        plunger.when_closed = lambda: events.append("pressed")
        plunger.when_opened = lambda: events.append("released")
        pin = factory.pin(23)
        bounce(pin, final_low=True)
        assert events == [] and not plunger.is_pressed  # nothing until it settles
        assert timers.pending == 1  # each edge restarted the one settling timer
        assert timers.elapse() == 1
        assert events == ["pressed"]
        assert plunger.is_pressed
        bounce(pin, final_low=False)
        assert timers.elapse() == 1
        assert events == ["pressed", "released"]
        assert not plunger.is_pressed
        assert plunger.wait_for(False, timeout=STUCK)
        assert events == ["pressed", "released"]
        assert timers.seconds == {SETTLE}


def test_a_glitch_that_returns_is_no_event(factory: MockFactory, timers: SettleTimers) -> None:
    with PlungerSensor(23, settle_seconds=0.2, pin_factory=factory,
                       timer_factory=timers) as plunger:
        events: list[str] = []
        plunger.when_closed = lambda: events.append("pressed")
        pin = factory.pin(23)
        pin.drive_low()
        pin.drive_high()  # back before it settled
        assert timers.elapse() == 1
        assert not plunger.is_pressed
        assert events == []


def test_without_settling_time_each_change_is_reported_at_once(
    factory: MockFactory, timers: SettleTimers
) -> None:
    with PlungerSensor(23, settle_seconds=0, pin_factory=factory,
                       timer_factory=timers) as plunger:
        factory.pin(23).drive_low()
        assert plunger.is_pressed
        assert timers.seconds == set()  # no timer was needed


def test_a_cut_sleeve_wire_reads_as_seal_removed(
    factory: MockFactory, timers: SettleTimers
) -> None:
    with SleeveSensor(5, settle_seconds=SETTLE, pin_factory=factory,
                      timer_factory=timers) as sleeve:
        pin = factory.pin(5)
        pin.drive_low()  # seal home: contact closed
        timers.elapse()
        assert sleeve.wait_for(True, timeout=STUCK)
        assert sleeve.is_present
        pin.drive_high()  # the pull-up wins when the wire is cut
        timers.elapse()
        assert sleeve.wait_for(False, timeout=STUCK)
        assert not sleeve.is_present
        assert "NOT" in sleeve.describe()


def test_an_opened_lid_is_reported(factory: MockFactory, timers: SettleTimers) -> None:
    with LidSensor(26, settle_seconds=SETTLE, pin_factory=factory,
                   timer_factory=timers) as lid:
        opened: list[bool] = []
        lid.when_opened = lambda: opened.append(True)
        pin = factory.pin(26)
        pin.drive_low()
        timers.elapse()
        assert lid.wait_for(True, timeout=STUCK)
        assert not lid.is_open
        bounce(pin, final_low=False)
        assert opened == []
        assert timers.elapse() == 1
        assert opened == [True]
        assert lid.is_open


def test_no_event_after_close(factory: MockFactory, timers: SettleTimers) -> None:
    plunger = PlungerSensor(23, settle_seconds=SETTLE, pin_factory=factory,
                            timer_factory=timers)
    events: list[str] = []
    plunger.when_closed = lambda: events.append("pressed")
    plunger.close()
    plunger.close()
    factory.pin(23).drive_low()
    assert timers.pending == 0  # the closed switch did not even start to settle
    assert timers.elapse() == 0
    assert events == []


def test_a_timer_running_out_after_close_reports_nothing(
    factory: MockFactory, timers: SettleTimers
) -> None:
    plunger = PlungerSensor(23, settle_seconds=SETTLE, pin_factory=factory,
                            timer_factory=timers)
    events: list[str] = []
    plunger.when_closed = lambda: events.append("pressed")
    factory.pin(23).drive_low()
    plunger.close()  # closing cancels the settling timer
    assert timers.pending == 0
    assert events == [] and not plunger.is_pressed
