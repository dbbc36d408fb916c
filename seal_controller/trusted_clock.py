"""A clock that cannot be wound back to stretch an approval.

A Pi has no battery clock by default: after a power cut it boots with
whatever time it last saved, and anyone with a keyboard can set another. The
station therefore keeps its own idea of a trusted time: the last time that
came from a trusted source (the kernel's NTP-synchronised clock, or the
county's signed clock in the feed), carried forward by the monotonic clock,
and saved so that it never goes backwards across a restart. Until a trusted
source is seen after start, the time is not trusted: offline (QR) approvals
are refused; approvals from the feed carry the county's own time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from durable.atomic import atomic_write

log = logging.getLogger(__name__)

WOUND_BACK_SECONDS = 120.0


class TrustedClock:
    def __init__(
        self,
        path: Path,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.wall = wall
        self.monotonic = monotonic
        self._anchor: tuple[float, float] | None = None  # (trusted wall, monotonic then)
        self.source = "none"
        try:
            self.floor = float(path.read_text())
        except (FileNotFoundError, ValueError):
            self.floor = 0.0

    @property
    def trusted(self) -> bool:
        return self._anchor is not None

    def now(self) -> float | None:
        """The trusted time, or None while no trusted source has been seen."""
        if self._anchor is None:
            return None
        wall, then = self._anchor
        return wall + (self.monotonic() - then)

    def best_guess(self) -> float:
        """The trusted time if there is one, else the system clock, but never
        earlier than the last trusted time saved."""
        trusted = self.now()
        return trusted if trusted is not None else max(self.wall(), self.floor)

    def trust(self, wall_time: float, source: str) -> None:
        """A trusted source says it is *wall_time* now."""
        if wall_time < self.floor - WOUND_BACK_SECONDS:
            log.error("%s says %.0f, before the last trusted time %.0f: ignored",
                      source, wall_time, self.floor)
            return
        self._anchor = (wall_time, self.monotonic())
        self.source = source
        if wall_time > self.floor:
            self.floor = wall_time
            atomic_write(self.path, f"{wall_time:.3f}\n".encode())

    def lose_trust(self, why: str) -> None:
        if self._anchor is not None:
            log.warning("clock no longer trusted: %s", why)
        self._anchor = None
        self.source = "none"

    def system_clock_wound_back(self) -> bool:
        """The system clock shows a time before the last trusted one."""
        return self.wall() < self.floor - WOUND_BACK_SECONDS
