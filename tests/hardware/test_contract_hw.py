"""Contract tests: the same bodies run against mock pins here and against the
real pins of a Raspberry Pi when VILLAGE_EDGE_HW=1 (wire nothing to BCM 27
but the test solenoid driver, and the switches of the default config)."""

from __future__ import annotations

from hardware.failsafe import FailSafe
from hardware.lock import LockState, LockTiming, SealLock
from hardware.sensors import PlungerSensor
from tests.conftest import Board, wait_until

TIMING = LockTiming(pull_in_seconds=0.05, hold_duty=0.5, max_on_seconds=0.5)


def test_lock_output_follows_pull_in_hold_release(board: Board, failsafe: FailSafe) -> None:
    with SealLock(27, timing=TIMING, pin_factory=board.factory, failsafe=failsafe) as lock:
        pin = board.factory.pin(27)
        assert pin.state == 0
        lock.unlock(0.3)
        assert pin.state == 1
        assert wait_until(lambda: lock.state is LockState.HOLDING)
        assert pin.state == 0.5
        assert lock.wait_locked(timeout=5)
        assert pin.state == 0


def test_lock_never_stays_on_past_its_maximum(board: Board, failsafe: FailSafe) -> None:
    with SealLock(27, timing=TIMING, pin_factory=board.factory, failsafe=failsafe) as lock:
        lock.unlock(3600)
        assert lock.wait_locked(timeout=5)
        assert board.factory.pin(27).state == 0


def test_a_sensor_reads_a_settled_level(board: Board) -> None:
    with PlungerSensor(19, settle_seconds=0.02, pin_factory=board.factory) as plunger:
        assert plunger.is_pressed in (True, False)
        assert plunger.wait_for(plunger.is_pressed, timeout=1)
