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
from tests.hardware.recorders import STUCK, LockTrace, levels

FAST = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=30)
PULL_IN_HOLD_RELEASE = [LockState.PULLING_IN, LockState.HOLDING, LockState.LOCKED]


def test_unlock_pulls_in_at_full_power_then_holds_then_releases(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    with SealLock(17, timing=FAST, pin_factory=factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        lock.unlock(0.3)
        assert trace.wait_locked()
        # the lock said it was pulling in while the pin was at full power, then
        # holding at the hold duty, then locked with the pin low
        assert trace.changes == [(LockState.PULLING_IN, 1.0),
                                 (LockState.HOLDING, pytest.approx(0.35)),
                                 (LockState.LOCKED, 0.0)]
        assert levels(factory.pin(17)) == [0.0, 1.0, 0.35, 0.0]
        assert trace.reasons == [LockReason.TIME_UP]


def test_lock_during_pull_in_never_reaches_hold(factory: MockFactory, failsafe: FailSafe) -> None:
    # The longest pull-in allowed: the test never waits for it, lock() ends it.
    slow = LockTiming(pull_in_seconds=5, hold_duty=0.35, max_on_seconds=30)
    with SealLock(17, timing=slow, pin_factory=factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        lock.unlock(10)
        lock.lock()
        assert lock.is_locked
        assert trace.wait_locked()
        assert trace.states == [LockState.PULLING_IN, LockState.LOCKED]
        assert trace.reasons == [LockReason.REQUESTED]
        assert levels(factory.pin(17)) == [0.0, 1.0, 0.0]


def test_maximum_on_time_deenergises_whatever_the_caller_asked(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    short = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=0.4)
    with SealLock(17, timing=short, pin_factory=factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        granted = lock.unlock(3600)
        assert granted <= 0.4
        assert trace.wait_locked()
        assert trace.reasons == [LockReason.MAX_ON_TIME]
        assert trace.states == PULL_IN_HOLD_RELEASE
        assert levels(factory.pin(17)) == [0.0, 1.0, 0.35, 0.0]


def test_unlocking_again_never_extends_past_the_maximum(
    factory: MockFactory, failsafe: FailSafe
) -> None:
    short = LockTiming(pull_in_seconds=0.05, hold_duty=0.35, max_on_seconds=0.5)
    with SealLock(17, timing=short, pin_factory=factory, failsafe=failsafe) as lock:
        trace = LockTrace(lock)
        granted: list[float] = []
        record = lock.when_changed

        def unlock_again_while_holding(state: LockState, duty: float) -> None:
            assert record is not None
            record(state, duty)
            if state is LockState.HOLDING:  # the first window is certainly still open
                granted.append(lock.unlock(100))

        lock.when_changed = unlock_again_while_holding
        lock.unlock(0.2)
        assert trace.wait_locked()
        assert len(granted) == 1 and granted[0] <= 0.5
        assert trace.reasons == [LockReason.MAX_ON_TIME]
        # one pull-in, one hold, one release: the second call did not re-pull
        assert trace.states == PULL_IN_HOLD_RELEASE
        assert levels(factory.pin(17)) == [0.0, 1.0, 0.35, 0.0]


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
        assert levels(factory.pin(17)) == [0.0]  # never moved


def _holder(
    tmp_path: Path, ending: str, sigint: signal.Handlers = signal.SIG_DFL
) -> tuple[subprocess.Popen[str], Path]:
    """A real process holding the lock unlocked. Its SIGINT disposition at start
    is *sigint*, whatever this test process inherited (a job started in the
    background of a shell without job control starts with SIGINT ignored)."""
    record = tmp_path / "levels.txt"
    process = subprocess.Popen(
        [sys.executable, str(REPO / "tests/programs/lock_holder.py"), str(record), ending],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "unlocked"
    return process, record


def _levels(record: Path) -> list[float]:
    return [float(line) for line in record.read_text().split()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signalled_process_leaves_the_lock_locked(tmp_path: Path, signum: int) -> None:
    process, record = _holder(tmp_path, "sleep")
    process.send_signal(signum)
    process.wait(timeout=STUCK)
    recorded = _levels(record)
    assert recorded[:2] == [1.0, 0.3]  # it really was unlocked and holding
    assert recorded[-1] == 0.0
    if signum == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM  # ends as SIGTERM would
    else:
        # as Ctrl-C would: the holder's KeyboardInterrupt exit (130), or, when the
        # signal lands before the holder reaches its try block, Python's own exit
        # on an uncaught KeyboardInterrupt (killed by SIGINT)
        assert process.returncode in (130, -signal.SIGINT)


def test_a_process_ignoring_sigint_still_locks_on_it_and_keeps_running(tmp_path: Path) -> None:
    process, record = _holder(tmp_path, "sleep", sigint=signal.SIG_IGN)
    process.send_signal(signal.SIGINT)
    assert wait_until(lambda: _levels(record)[-1:] == [0.0], timeout=STUCK)  # secured
    assert process.poll() is None  # and, as it asked, not ended by SIGINT
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=STUCK) == -signal.SIGTERM
    assert _levels(record) == [1.0, 0.3, 0.0]


def test_a_process_exiting_without_close_leaves_the_lock_locked(tmp_path: Path) -> None:
    process, record = _holder(tmp_path, "exit")
    assert process.wait(timeout=STUCK) == 0
    assert _levels(record) == [1.0, 0.3, 0.0]
