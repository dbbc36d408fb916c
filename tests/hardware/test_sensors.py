"""The station's switches on mock pins: settled changes only, and a cut wire
reads as the alarming state."""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory

from hardware.sensors import LidSensor, PlungerSensor, SleeveSensor
from tests.conftest import wait_until

SETTLE = 0.03


def bounce(pin, final_low: bool, times: int = 6) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        pin.drive_low()
        pin.drive_high()
    if final_low:
        pin.drive_low()


def test_a_bouncing_press_is_one_press_and_one_release(factory: MockFactory) -> None:
    with PlungerSensor(23, settle_seconds=SETTLE, pin_factory=factory) as plunger:
        events: list[str] = []
        plunger.when_closed = lambda: events.append("pressed")
        plunger.when_opened = lambda: events.append("released")
        pin = factory.pin(23)
        bounce(pin, final_low=True)
        assert wait_until(lambda: events == ["pressed"])
        assert plunger.is_pressed
        bounce(pin, final_low=False)
        assert wait_until(lambda: events == ["pressed", "released"])
        assert not plunger.is_pressed
        assert plunger.wait_for(False, timeout=1)
        assert events == ["pressed", "released"]


def test_a_glitch_that_returns_is_no_event(factory: MockFactory) -> None:
    with PlungerSensor(23, settle_seconds=0.2, pin_factory=factory) as plunger:
        events: list[str] = []
        plunger.when_closed = lambda: events.append("pressed")
        pin = factory.pin(23)
        pin.drive_low()
        pin.drive_high()  # back before it settled
        assert not plunger.wait_for(True, timeout=0.6)
        assert events == []


def test_without_settling_time_each_change_is_reported_at_once(factory: MockFactory) -> None:
    with PlungerSensor(23, settle_seconds=0, pin_factory=factory) as plunger:
        factory.pin(23).drive_low()
        assert plunger.is_pressed


def test_a_cut_sleeve_wire_reads_as_seal_removed(factory: MockFactory) -> None:
    with SleeveSensor(5, settle_seconds=SETTLE, pin_factory=factory) as sleeve:
        pin = factory.pin(5)
        pin.drive_low()  # seal home: contact closed
        assert sleeve.wait_for(True, timeout=5)
        assert sleeve.is_present
        pin.drive_high()  # the pull-up wins when the wire is cut
        assert sleeve.wait_for(False, timeout=5)
        assert not sleeve.is_present
        assert "NOT" in sleeve.describe()


def test_an_opened_lid_is_reported(factory: MockFactory) -> None:
    with LidSensor(26, settle_seconds=SETTLE, pin_factory=factory) as lid:
        opened: list[bool] = []
        lid.when_opened = lambda: opened.append(True)
        pin = factory.pin(26)
        pin.drive_low()
        assert lid.wait_for(True, timeout=5)
        assert not lid.is_open
        bounce(pin, final_low=False)
        assert wait_until(lambda: opened == [True])
        assert lid.is_open


def test_no_event_after_close(factory: MockFactory) -> None:
    plunger = PlungerSensor(23, settle_seconds=SETTLE, pin_factory=factory)
    events: list[str] = []
    plunger.when_closed = lambda: events.append("pressed")
    plunger.close()
    plunger.close()
    factory.pin(23).drive_low()
    assert not wait_until(lambda: bool(events), timeout=0.2)
