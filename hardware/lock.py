"""The seal's lock: a fail-secure solenoid in the seal's sleeve.

De-energised is locked. An unlock pulls the solenoid in at full power, then
holds it at a reduced PWM duty (less heat, less current), and a hard maximum
on-time de-energises it whatever the caller does. The lock is driven locked
when it is made (even if a crashed process left the pin high), on
:meth:`SealLock.close`, at exit and on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from gpiozero import Factory, PWMOutputDevice

from hardware.errors import DeviceClosedError
from hardware.failsafe import PROCESS_FAILSAFE, FailSafe
from hardware.lock_timing import LockTiming as LockTiming  # its settings, kept apart
from hardware.pins import bcm_of

log = logging.getLogger(__name__)


class LockState(Enum):
    LOCKED = "locked"
    PULLING_IN = "pulling in"
    HOLDING = "holding"


class LockReason(Enum):
    """Why the lock re-engaged."""

    REQUESTED = "requested"
    TIME_UP = "time up"
    MAX_ON_TIME = "maximum on-time"
    CLOSED = "closed"
    FAILSAFE = "fail-safe"


LockedCallback = Callable[[LockReason], None]
#: Called with the new state and the duty then read back from the output.
ChangedCallback = Callable[[LockState, float], None]


@dataclass
class _Window:
    """One energised period of the solenoid."""

    started: float
    deadline: float
    hard_deadline: float
    stop: threading.Event


class SealLock:
    """A fail-secure solenoid lock on one GPIO (BCM number *pin*)."""

    def __init__(
        self,
        pin: int,
        *,
        timing: LockTiming | None = None,
        pin_factory: Factory | None = None,
        failsafe: FailSafe | None = PROCESS_FAILSAFE,
        name: str = "lock",
    ) -> None:
        self.name = name
        self.timing = timing or LockTiming()
        self.when_locked: LockedCallback | None = None
        #: Every change of state, in order, with the duty read back from the pin
        #: (a technician's trace; what the hardware contract tests observe on real
        #: pins). Runs with the lock's mutex held, in the thread that made the
        #: change: it must return promptly and must not wait for another thread.
        self.when_changed: ChangedCallback | None = None
        self._mutex = threading.RLock()
        self._window: _Window | None = None
        self._state = LockState.LOCKED
        self._closed = False
        # initial_value=0 drives the pin low at once, whatever it was.
        self._output = PWMOutputDevice(
            pin,
            active_high=True,
            initial_value=0,
            frequency=self.timing.pwm_hz,
            pin_factory=pin_factory,
        )
        self._failsafe = failsafe
        self._failsafe_token = failsafe.register(self._secure) if failsafe else None
        log.info("%s on BCM %d: locked", name, pin)

    # -- state -------------------------------------------------------------

    @property
    def pin(self) -> int:
        return bcm_of(self._output)

    @property
    def state(self) -> LockState:
        return self._state

    @property
    def is_locked(self) -> bool:
        return self._state is LockState.LOCKED

    @property
    def duty(self) -> float:
        """The power now applied to the solenoid, 0 (locked) to 1."""
        return float(self._output.value)

    @property
    def seconds_left(self) -> float:
        window = self._window
        return max(0.0, window.deadline - time.monotonic()) if window else 0.0

    # -- actions -----------------------------------------------------------

    def unlock(self, seconds: float | None = None) -> float:
        """Energise for *seconds* (default and at most the maximum on-time,
        counted from the first pull-in). Returns the seconds granted."""
        with self._mutex:
            if self._closed:
                raise DeviceClosedError(f"{self.name} is closed; make a new SealLock")
            now = time.monotonic()
            wanted = self.timing.max_on_seconds if seconds is None else float(seconds)
            if wanted <= 0:
                raise ValueError(f"unlock needs a positive number of seconds, got {seconds!r}")
            window = self._window
            if window is None:
                window = _Window(
                    started=now,
                    deadline=0.0,
                    hard_deadline=now + self.timing.max_on_seconds,
                    stop=threading.Event(),
                )
                self._window = window
                self._state = LockState.PULLING_IN
                self._output.value = 1.0
                self._changed()
                threading.Thread(
                    target=self._drive, args=(window,), name=f"{self.name}-drive", daemon=True
                ).start()
                log.info("%s: unlocked (pull-in)", self.name)
            window.deadline = min(now + wanted, window.hard_deadline)
            if self.closed:  # a signal handler secured us meanwhile
                self._output.value = 0
            return min(window.deadline - now, self.timing.max_on_seconds)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran (or a signal handler secured the lock)."""
        return self._closed

    def lock(self) -> None:
        """De-energise now. Safe to call at any time, from any thread."""
        self._release(LockReason.REQUESTED)

    def wait_locked(self, timeout: float | None = None) -> bool:
        """Block until the lock is locked; False if *timeout* passed first."""
        window = self._window
        if window is None:
            return True
        return window.stop.wait(timeout)

    def close(self) -> None:
        """Lock and release the pin. Idempotent."""
        if self._closed:
            return
        self._release(LockReason.CLOSED)
        with self._mutex:
            self._closed = True
            if self._failsafe and self._failsafe_token is not None:
                self._failsafe.unregister(self._failsafe_token)
            self._output.close()

    def __enter__(self) -> SealLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------

    def _drive(self, window: _Window) -> None:
        if window.stop.wait(self.timing.pull_in_seconds):
            return
        with self._mutex:
            if self._window is not window:
                return
            self._output.value = self.timing.hold_duty
            self._state = LockState.HOLDING
            self._changed()
        while True:
            remaining = window.deadline - time.monotonic()
            if remaining <= 0:
                break
            if window.stop.wait(remaining):
                return
        at_hard_limit = window.deadline >= window.hard_deadline
        if at_hard_limit:
            log.warning("%s: maximum on-time reached, de-energised", self.name)
        self._release(LockReason.MAX_ON_TIME if at_hard_limit else LockReason.TIME_UP, window)

    def _release(self, reason: LockReason, only: _Window | None = None) -> None:
        with self._mutex:
            window = self._window
            if window is None or (only is not None and window is not only):
                if not self._closed:
                    self._output.value = 0
                return
            self._output.value = 0
            self._window = None
            self._state = LockState.LOCKED
            self._changed()
            window.stop.set()
        log.info("%s: locked (%s)", self.name, reason.value)
        callback = self.when_locked
        if callback is not None:
            try:
                callback(reason)
            except Exception:
                log.exception("%s: when_locked callback failed", self.name)

    def _changed(self) -> None:
        """Report the state just entered (the mutex is held)."""
        callback = self.when_changed
        if callback is None:
            return
        try:
            callback(self._state, float(self._output.value))
        except Exception:
            log.exception("%s: when_changed callback failed", self.name)

    def _secure(self) -> None:
        """The fail-safe path: no callbacks, no logging beyond one line."""
        self._closed = True
        try:
            self._output.value = 0
        finally:
            window, self._window = self._window, None
            self._state = LockState.LOCKED
            if window is not None:
                window.stop.set()

    def __repr__(self) -> str:
        return f"<SealLock {self.name} BCM {self.pin} {self._state.value}>"
