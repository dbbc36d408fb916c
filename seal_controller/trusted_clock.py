"""A clock that cannot be wound back to stretch an approval.

A Pi has no battery clock by default: after a power cut it boots with
whatever time it last saved, and anyone with a keyboard can set another. The
station therefore trusts a time only if it came, *during this boot*, from a
trusted source: the kernel's NTP-synchronised clock, or the county's signed
clock document received by the sync agent during this boot
(:mod:`seal_controller.feed_watch`). Such a time is an anchor ``(time,
boottime then)``; from it the trusted time is carried forward by the boot
clock (:mod:`sync.boot`), which nobody can set and which restarts from zero
with the machine. So a restart of the station's daemon keeps the trusted
time, a reboot loses it until a trusted source is seen again. Within a boot
the trusted time never moves back: a source behind the current anchor is
kept out (each anchor is a lower bound on the truth, see
:mod:`seal_controller.feed_watch`).

The newest trusted time is also saved (``trusted-time``) as a *floor*: a
source that says it is much earlier is ignored, and the panel's clock never
shows less. A floor is never "now": :meth:`TrustedClock.best_guess` is for
display, and nothing about an approval is decided with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from durable.atomic import atomic_write
from sync.boot import BootClock

log = logging.getLogger(__name__)

WOUND_BACK_SECONDS = 120.0
FLOOR_SAVE_SECONDS = 60.0  # the floor is saved when it moved at least this much


class TrustedClock:
    def __init__(
        self,
        path: Path,
        *,
        wall: Callable[[], float] = time.time,
        boot: BootClock | None = None,
    ) -> None:
        self.path = path
        self.wall = wall
        self.boot = boot or BootClock()
        self._anchor: tuple[float, float] | None = None  # (trusted time, boottime then)
        self.source = "none"
        try:
            self.floor = float(path.read_text())
        except (OSError, ValueError):
            self.floor = 0.0
        self._saved_floor = self.floor

    @property
    def trusted(self) -> bool:
        return self._anchor is not None

    def now(self) -> float | None:
        """The trusted time, or None while no trusted source has been seen
        during this boot. The only time an approval is checked against."""
        if self._anchor is None:
            return None
        wall, then = self._anchor
        return wall + (self.boot.boottime() - then)

    def best_guess(self) -> float:
        """For display only: the trusted time if there is one, else the system
        clock but never earlier than the last trusted time saved."""
        trusted = self.now()
        return trusted if trusted is not None else max(self.wall(), self.floor)

    def elapsed(self) -> float:
        """The boot clock, for durations (how long a seal has been out, how
        long an alarm has shown): neither the wall clock nor trust moves it."""
        return self.boot.boottime()

    def trust(self, wall_time: float, source: str, *, at: float | None = None) -> bool:
        """A trusted source says it was *wall_time* at boottime *at* (default:
        now). False if ignored because it is well before the last trusted time."""
        if wall_time < self.floor - WOUND_BACK_SECONDS:
            log.error("%s says %.0f, before the last trusted time %.0f: ignored",
                      source, wall_time, self.floor)
            return False
        then = self.boot.boottime() if at is None else at
        current = self.now()
        if current is not None and wall_time + (self.boot.boottime() - then) < current:
            # Within a boot the trusted time never moves back: every anchor is
            # a lower bound on the truth (the county's clock is anchored at
            # the asking), so the later of two is the better one.
            log.info("%s says %.0f, behind the trusted time %.0f: kept", source,
                     wall_time + (self.boot.boottime() - then), current)
            return True
        self._anchor = (wall_time, then)
        if self.source != source:
            log.info("clock trusted from %s", source)
        self.source = source
        now = self.now()
        assert now is not None
        if now > self.floor:
            self.floor = now
            if now >= self._saved_floor + FLOOR_SAVE_SECONDS:
                try:
                    atomic_write(self.path, f"{now:.3f}\n".encode())
                    self._saved_floor = now
                except OSError as error:  # the floor is a guard, not a promise
                    log.warning("cannot save the trusted time: %s", error)
        return True

    def lose_trust(self, why: str) -> None:
        if self._anchor is not None:
            log.warning("clock no longer trusted: %s", why)
        self._anchor = None
        self.source = "none"

    def system_clock_wound_back(self) -> bool:
        """The system clock shows a time before the last trusted one."""
        return self.wall() < self.floor - WOUND_BACK_SECONDS
