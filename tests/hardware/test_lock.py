"""The seal's lock on mock pins: pull-in, hold, release; the maximum on-time;
locked at start, on close, at exit and on signals of a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.errors import DeviceClosedError
from hardware.failsafe import FailSafe
from hardware.lock import LockReason, LockState, LockTiming, SealLock
from tests.conftest import REPO, wait_until

FAST = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=30)


def levels(factory: MockFactory, pin: int) -> list[float]:
    return [float(s.state) for s in factory.pin(pin).states]


def test_unlock_pulls_in_at_full_power_then_holds_then_releases(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    with SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe) as lock:
        reasons: list[LockReason] = []
        lock.when_locked = reasons.append
        lock.unlock(0.3)
        assert lock.state is LockState.PULLING_IN
        assert factory.pin(17).state == 1.0
        assert wait_until(lambda: lock.state is LockState.HOLDING)
        assert factory.pin(17).state == pytest.approx(0.35)
        assert lock.wait_locked(timeout=5)
        assert levels(factory, 17) == [0.0, 1.0, 0.35, 0.0]
        assert reasons == [LockReason.TIME_UP]


def test_lock_during_pull_in_never_reaches_hold(factory: MockFactory, failsafe: FailSafe) -> None:
    slow = LockTiming(pull_in_seconds=2, hold_duty=0.35, max_on_seconds=30)
    with SealLock(17, timing=slow, pin_factory=factory, failsafe=failsafe) as lock:
        lock.unlock(10)
        lock.lock()
        assert lock.is_locked
        assert levels(factory, 17) == [0.0, 1.0, 0.0]


def test_maximum_on_time_deenergises_whatever_the_caller_asked(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    short = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=0.4)
    with SealLock(17, timing=short, pin_factory=factory, failsafe=failsafe) as lock:
        reasons: list[LockReason] = []
        lock.when_locked = reasons.append
        granted = lock.unlock(3600)
        assert granted <= 0.4
        assert lock.wait_locked(timeout=5)
        assert reasons == [LockReason.MAX_ON_TIME]
        assert factory.pin(17).state == 0


def test_unlocking_again_never_extends_past_the_maximum(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    short = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=0.5)
    with SealLock(17, timing=short, pin_factory=factory, failsafe=failsafe) as lock:
        lock.unlock(0.2)
        assert lock.unlock(100) <= 0.5
        assert lock.wait_locked(timeout=5)
        # one pull-in, one hold, one release: the second call did not re-pull
        assert levels(factory, 17) == [0.0, 1.0, 0.35, 0.0]


def test_driven_locked_at_construction_when_pin_was_left_high(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    left = factory.pin(17)
    left.function = "output"
    left.state = 1  # as a crashed process would have left it
    with SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe) as lock:
        assert left.state == 0
        assert lock.is_locked


def test_close_deenergises_and_is_idempotent(factory: MockFactory, failsafe: FailSafe) -> None:
    lock = SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe)
    lock.unlock(30)
    lock.close()
    assert factory.pin(17).state == 0
    lock.close()
    with pytest.raises(DeviceClosedError):
        lock.unlock(1)


def test_failsafe_secures_an_unlocked_lock(factory: MockFactory, failsafe: FailSafe) -> None:
    lock = SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe)
    lock.unlock(30)
    failsafe.secure_all()
    assert factory.pin(17).state == 0
    with pytest.raises(DeviceClosedError):
        lock.unlock(1)  # a secured lock stays locked


def test_zero_or_negative_unlock_is_refused(factory: MockFactory, failsafe: FailSafe) -> None:
    with SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe) as lock:
        with pytest.raises(ValueError, match="positive"):
            lock.unlock(0)
        assert factory.pin(17).state == 0


def _holder(tmp_path: Path, ending: str) -> tuple[subprocess.Popen[str], Path]:
    record = tmp_path / "levels.txt"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "tests/programs/lock_holder.py"), str(record), ending],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "unlocked"
    return process, record


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signalled_process_leaves_the_lock_locked(tmp_path: Path, signum: int) -> None:
    process, record = _holder(tmp_path, "sleep")
    process.send_signal(signum)
    process.wait(timeout=30)
    recorded = [float(line) for line in record.read_text().split()]
    assert recorded[:2] == [1.0, 0.3]  # it really was unlocked and holding
    assert recorded[-1] == 0.0
    if signum == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM  # ends as SIGTERM would
    else:
        # Python's KeyboardInterrupt (exit 130), or, where the parent left SIGINT at its
        # default disposition, the signal itself: either way it ends as Ctrl-C would
        assert process.returncode in (130, -signal.SIGINT)


def test_a_process_exiting_without_close_leaves_the_lock_locked(tmp_path: Path) -> None:
    process, record = _holder(tmp_path, "exit")
    assert process.wait(timeout=30) == 0
    assert [float(line) for line in record.read_text().split()] == [1.0, 0.3, 0.0]
