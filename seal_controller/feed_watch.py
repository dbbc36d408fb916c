"""What the sync agent brought in that matters to the seal: approvals for this
station, and the county's signed clock. Read from the feed store only when its
generation moves."""

from __future__ import annotations

import logging

from seal_controller.trusted_clock import TrustedClock
from sync.feed_store import FeedStore

log = logging.getLogger(__name__)

CLOCK_DOCUMENT = ("time", "county-clock")


class FeedWatcher:
    def __init__(self, feed: FeedStore, clock: TrustedClock) -> None:
        self.feed = feed
        self.clock = clock
        self.generation = -1
        self.seen: set[tuple[str, int]] = set()
        self.clock_version = 0

    def poll(self) -> list[str]:
        """Approval tokens that arrived since the last poll."""
        generation = self.feed.generation()
        if generation == self.generation:
            return []
        self.generation = generation
        held = self.feed.get(*CLOCK_DOCUMENT)
        if held is not None and held.document.version > self.clock_version:
            self.clock_version = held.document.version
            county_time = held.document.body.get("time")
            if isinstance(county_time, int | float):
                self.clock.trust(float(county_time), "county")
        tokens = []
        for name in self.feed.names("approval"):
            held = self.feed.get("approval", name)
            if held is None or (name, held.document.version) in self.seen:
                continue
            self.seen.add((name, held.document.version))
            token = held.document.body.get("token")
            if isinstance(token, str):
                tokens.append(token)
        return tokens
