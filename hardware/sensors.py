"""The station's switches, debounced by settling time.

Each sensor is a contact to ground on a GPIO with the pull-up on, wired so
that a cut wire reads as the alarming state: the sleeve's switch and the lid's
switch are closed in the normal state (sleeve home, lid shut), so a broken
wire reads "sleeve removed" or "lid open". A change is reported only after the
raw input has stayed put for the settling time, so a bouncing contact gives
one event, not a burst. Each settling runs in its own timer thread, so the
changes are queued as they settle and reported one at a time, in that order:
a callback still running when the next change settles (the controller
photographing a stamp) delays the next report, never reorders or drops it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

from gpiozero import DigitalInputDevice, Factory

from hardware.pins import bcm_of

log = logging.getLogger(__name__)

Callback = Callable[[], object]


class SettleTimer(Protocol):
    """What a switch needs of a timer: :class:`threading.Timer`'s start and cancel."""

    daemon: bool

    def start(self) -> None: ...

    def cancel(self) -> None: ...


#: Makes the timer that reports a change once the input has been still for
#: the settling time: ``timer_factory(seconds, settle)``.
TimerFactory = Callable[[float, Callable[[], None]], SettleTimer]


class DebouncedSwitch:
    """A contact to ground on *pin*, reported once it has settled."""

    def __init__(
        self,
        pin: int,
        *,
        settle_seconds: float = 0.05,
        pin_factory: Factory | None = None,
        name: str = "switch",
        timer_factory: TimerFactory | None = None,
    ) -> None:
        """*timer_factory* makes the settling timers (default
        :class:`threading.Timer`); tests pass timers that fire when told."""
        if not 0 <= settle_seconds <= 2:
            raise ValueError("settle_seconds must be between 0 and 2")
        self.name = name
        self.settle_seconds = settle_seconds
        self._mutex = threading.Lock()
        self._changed = threading.Condition(self._mutex)
        self._timer_factory: TimerFactory = timer_factory or threading.Timer
        self._timer: SettleTimer | None = None
        self._closed = False
        self.when_closed: Callback | None = None
        self.when_opened: Callback | None = None
        self._input = DigitalInputDevice(pin, pull_up=True, pin_factory=pin_factory)
        self._settled = bool(self._input.is_active)
        self._reported = self._settled  # the settled state whose callback has run
        self._unreported: deque[bool] = deque()  # settled changes not yet reported, in order
        self._reporting = threading.Lock()  # one report at a time
        self._reporter: int | None = None  # the thread reporting now
        self._input.when_activated = self._on_edge
        self._input.when_deactivated = self._on_edge

    @property
    def pin(self) -> int:
        return bcm_of(self._input)

    @property
    def contact_closed(self) -> bool:
        """The settled state: True while the contact is closed (pin low)."""
        return self._settled

    def wait_for(self, closed: bool, timeout: float | None = None) -> bool:
        """Block until the settled state is *closed* and its callback has run;
        False on timeout."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._settled is closed and self._reported is closed
                and not self._unreported, timeout
            )

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
        self._input.close()

    def __enter__(self) -> DebouncedSwitch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _on_edge(self) -> None:
        with self._mutex:
            if self._closed:
                return
            if self._timer is not None:
                self._timer.cancel()
            if self.settle_seconds == 0:
                self._timer = None
            else:
                self._timer = self._timer_factory(self.settle_seconds, self._settle)
                self._timer.daemon = True
                self._timer.start()
                return
        self._settle()

    def _settle(self) -> None:
        with self._changed:
            if self._closed:
                return
            raw = bool(self._input.is_active)
            if raw == self._settled:
                return
            self._settled = raw
            self._unreported.append(raw)
        log.debug("%s: contact %s", self.name, "closed" if raw else "open")
        self._report()

    def _report(self) -> None:
        """Run the callbacks of the settled changes not yet reported, in the
        order they settled; whichever timer thread holds the turn reports
        every change queued meanwhile (a change settling inside a callback,
        in the same thread, is reported when that callback returns)."""
        if self._reporter == threading.get_ident():
            return
        with self._reporting:
            self._reporter = threading.get_ident()
            try:
                self._report_queued()
            finally:
                self._reporter = None

    def _report_queued(self) -> None:
        while True:
            with self._changed:
                if not self._unreported:
                    return
                state = self._unreported.popleft()
            callback = self.when_closed if state else self.when_opened
            if callback is not None:
                try:
                    callback()
                except Exception:
                    log.exception("%s: callback failed", self.name)
            with self._changed:
                self._reported = state
                self._changed.notify_all()

    def __repr__(self) -> str:
        state = "closed" if self._settled else "open"
        return f"<{type(self).__name__} {self.name} BCM {self.pin} contact {state}>"


class SleeveSensor(DebouncedSwitch):
    """Is the seal's sleeve in its holder? Contact closed = present."""

    @property
    def is_present(self) -> bool:
        return self.contact_closed

    def describe(self) -> str:
        return "seal in its holder" if self.is_present else "seal NOT in its holder"


class PlungerSensor(DebouncedSwitch):
    """The stamp plunger. Contact closed = pressed."""

    @property
    def is_pressed(self) -> bool:
        return self.contact_closed

    def describe(self) -> str:
        return "plunger pressed" if self.is_pressed else "plunger up"


class LidSensor(DebouncedSwitch):
    """The enclosure's tamper switch. Contact closed = lid shut."""

    @property
    def is_open(self) -> bool:
        return not self.contact_closed

    def describe(self) -> str:
        return "lid OPEN" if self.is_open else "lid shut"
