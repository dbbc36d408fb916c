"""What the hardware tests observe instead of the clock: settling timers that
run out when the test says so, the levels a mock pin was driven through, and
what a lock reports of itself."""

from __future__ import annotations

import threading
from collections.abc import Callable

from gpiozero.pins.mock import MockPin

from hardware.lock import LockReason, LockState, SealLock

#: A bound for a stuck test (a thread that never comes), never an expected time.
STUCK = 30.0


def levels(pin: MockPin) -> list[float]:
    """Every level *pin* was driven to, in order, from the level it started at
    (gpiozero's MockPin keeps the history; the times in it are never looked at)."""
    return [float(state.state) for state in pin.states]


class ManualTimer:
    """One settling timer: it runs out only when its :class:`SettleTimers` elapse."""

    def __init__(self, timers: SettleTimers, seconds: float, function: Callable[[], None]) -> None:
        self.timers = timers
        self.seconds = seconds
        self.function = function
        self.daemon = False

    def start(self) -> None:
        self.timers.started(self)

    def cancel(self) -> None:
        self.timers.cancelled(self)


class SettleTimers:
    """A ``timer_factory`` for debounced switches. Edges on a mock pin arrive
    in the test's own thread; the settling time passes when the test calls
    :meth:`elapse`, so "the contact bounced within the settling time" is a
    fact of the test, not a race with a timer thread."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._pending: list[ManualTimer] = []
        self.seconds: set[float] = set()  # every settling time asked for

    def __call__(self, seconds: float, function: Callable[[], None]) -> ManualTimer:
        return ManualTimer(self, seconds, function)

    def started(self, timer: ManualTimer) -> None:
        with self._mutex:
            self._pending.append(timer)
            self.seconds.add(timer.seconds)

    def cancelled(self, timer: ManualTimer) -> None:
        with self._mutex:
            if timer in self._pending:
                self._pending.remove(timer)

    @property
    def pending(self) -> int:
        """Timers started and neither cancelled nor run out."""
        with self._mutex:
            return len(self._pending)

    def elapse(self) -> int:
        """The inputs stay still for the settling time: every pending timer runs
        out (its switch settles and calls back, in this thread). Returns how many."""
        with self._mutex:
            due, self._pending = self._pending, []
        for timer in due:
            timer.function()
        return len(due)


class LockTrace:
    """Everything a :class:`SealLock` reports: each state it enters with the duty
    read back from its pin (``when_changed``) and why it locked (``when_locked``).
    On real pins there is no pin history; this is what is observed there."""

    def __init__(self, lock: SealLock) -> None:
        self.changes: list[tuple[LockState, float]] = []
        self.reasons: list[LockReason] = []
        self._reported = threading.Condition()
        lock.when_changed = self._changed
        lock.when_locked = self._locked

    def _changed(self, state: LockState, duty: float) -> None:
        self.changes.append((state, duty))

    def _locked(self, reason: LockReason) -> None:
        with self._reported:
            self.reasons.append(reason)
            self._reported.notify_all()

    def wait_locked(self, times: int = 1) -> bool:
        """Wait until the lock has re-engaged *times* times and said why."""
        with self._reported:
            return self._reported.wait_for(lambda: len(self.reasons) >= times, STUCK)

    @property
    def states(self) -> list[LockState]:
        return [state for state, _ in self.changes]

    @property
    def duties(self) -> list[float]:
        return [duty for _, duty in self.changes]
