"""Contract tests: the same bodies run against mock pins here and against the
real pins of a Raspberry Pi when VILLAGE_EDGE_HW=1 (wire nothing to BCM 27
but the test solenoid driver, and the plunger switch to BCM 19, left up while
the tests run).

What is observed is what the devices report of themselves (every state the
lock enters with the duty read back from its pin, why it locked, the
plunger's settled reading and its callbacks); on mock pins the pin's own
history of driven levels is asserted as well, and the plunger's line is
driven through a press and a release."""

from __future__ import annotations

import pytest

from hardware.failsafe import FailSafe
from hardware.lock import LockReason, LockState, LockTiming, SealLock
from hardware.sensors import PlungerSensor
from tests.conftest import Board
from tests.hardware.recorders import STUCK, LockTrace, levels

pytestmark = pytest.mark.hw

TIMING = LockTiming(pull_in_seconds=0.05, hold_duty=0.5, max_on_seconds=0.5)
PULL_IN_HOLD_RELEASE = [LockState.PULLING_IN, LockState.HOLDING, LockState.LOCKED]


def test_lock_output_follows_pull_in_hold_release(board: Board, failsafe: FailSafe) -> None:
    with SealLock(27, timing=TIMING, pin_factory=board.factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        assert lock.is_locked and lock.duty == 0
        lock.unlock(0.3)
        assert trace.wait_locked()
        assert trace.states == PULL_IN_HOLD_RELEASE
        assert trace.duties == pytest.approx([1.0, 0.5, 0.0])  # read back from the pin
        assert trace.reasons == [LockReason.TIME_UP]
        assert lock.is_locked and lock.duty == 0
        if not board.real:
            assert levels(board.factory.pin(27)) == [0.0, 1.0, 0.5, 0.0]


def test_lock_never_stays_on_past_its_maximum(board: Board, failsafe: FailSafe) -> None:
    with SealLock(27, timing=TIMING, pin_factory=board.factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        lock.unlock(3600)
        assert trace.wait_locked()
        assert trace.reasons == [LockReason.MAX_ON_TIME]
        assert trace.states == PULL_IN_HOLD_RELEASE
        assert lock.duty == 0
        if not board.real:
            assert levels(board.factory.pin(27)) == [0.0, 1.0, 0.5, 0.0]


def test_a_sensor_reads_a_settled_level(board: Board) -> None:
    with PlungerSensor(19, settle_seconds=0.02, pin_factory=board.factory) as plunger:
        events: list[str] = []
        plunger.when_closed = lambda: events.append("pressed")
        plunger.when_opened = lambda: events.append("released")
        # At rest the switch is open and the pull-up holds the line high: a
        # shorted switch, one wired normally-closed or a pull-down fails here.
        assert not plunger.is_pressed
        assert plunger.describe() == "plunger up"
        if board.real:
            assert events == []
            return
        pin = board.factory.pin(19)
        pin.drive_low()  # pressed: the contact pulls the line to ground
        assert plunger.wait_for(True, timeout=STUCK)
        assert plunger.is_pressed and events == ["pressed"]
        pin.drive_high()
        assert plunger.wait_for(False, timeout=STUCK)
        assert not plunger.is_pressed and events == ["pressed", "released"]
