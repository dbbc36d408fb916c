"""Drive actuators to their safe state when the process ends.

Devices that must fail safe (the seal lock) register a ``secure`` callable.
The first registration installs an :mod:`atexit` hook and SIGTERM/SIGINT
handlers that run every registered callable, then hand the signal on to
whatever handler was there before (or end the process as the signal would
have). Handlers can only be installed from the main thread; from any other
thread the atexit hook still runs.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

SecureAction = Callable[[], None]
HANDLED_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


class FailSafe:
    """A registry of actions that put hardware into its safe state."""

    def __init__(self, signals: tuple[signal.Signals, ...] = HANDLED_SIGNALS) -> None:
        self._signals = signals
        self._actions: dict[int, SecureAction] = {}
        self._ids = itertools.count(1)
        self._mutex = threading.RLock()
        self._installed = False
        self._previous: dict[int, object] = {}

    def register(self, action: SecureAction) -> int:
        """Run *action* at exit and on the handled signals; returns a token
        for :meth:`unregister`."""
        with self._mutex:
            token = next(self._ids)
            self._actions[token] = action
            if not self._installed:
                self._install()
            return token

    def unregister(self, token: int) -> None:
        with self._mutex:
            self._actions.pop(token, None)

    def secure_all(self) -> None:
        """Run every registered action; one failing does not stop the rest."""
        with self._mutex:
            actions = list(self._actions.values())
        for action in actions:
            try:
                action()
            except Exception:
                log.exception("fail-safe action %r failed", action)

    def _install(self) -> None:
        self._installed = True
        atexit.register(self.secure_all)
        if threading.current_thread() is not threading.main_thread():
            log.warning(
                "fail-safe signal handlers not installed: devices were made outside "
                "the main thread; only the exit hook will secure them"
            )
            return
        for signum in self._signals:
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.warning("signal %d: securing hardware", signum)
        self.secure_all()
        previous = self._previous.get(signum)
        if previous is signal.SIG_IGN:
            return
        if callable(previous):
            previous(signum, frame)
            return
        # The default action: end the process the way the signal would have.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


#: The process-wide registry that devices use unless given another.
PROCESS_FAILSAFE = FailSafe()
