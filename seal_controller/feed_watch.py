"""What the sync agent brought in that matters to the seal: the county's
signed clock, approvals for this station, and commands for it. Read from the
feed store when its generation moves.

The county's clock is trusted only if the feed store received it during this
boot (its receipt carries this boot's id); it then anchors the trusted clock
at the boot clock's reading in its receipt, so the time carries on correctly
however long ago that was (:mod:`seal_controller.trusted_clock`). The sync
agent records there the moment it *asked* for the feed page that carried the
clock, not the moment the answer arrived: the county read its clock after
the asking, so the anchored time is never behind the truth, however long an
on-path attacker held the answer (holding it can only put the clock ahead,
so approvals end early: a denial of service, not a break).
A clock document kept from before a reboot says nothing about "now".

A refusal of a request (an ``approval`` document whose body is a refusal,
:mod:`protocol.seal_refusal`) is handed to the controller once; it closes the
request it names if that is the open one. A malformed one is logged and
dropped.

Each approval is offered to the controller once it arrives (after a start,
every one the feed holds that is not spent: used or expired). One refused for
a reason that may change (:data:`RETRY_LATER`: no trusted time yet, no request
yet, the station halted) is kept and offered again when the station's
situation has changed and the request it names is the open one, until it is
taken, refused for good, or spent; every other refusal is final. So the
ledger records each refusal that tells something, not the same one over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.api import TIME_DOCUMENT_NAME
from protocol.commands import COMMAND_KIND
from protocol.seal_refusal import Refusal, RefusalMalformed, read_refusal
from seal_controller.trusted_clock import TrustedClock
from sync.feed_store import FeedStore

if TYPE_CHECKING:
    from seal_controller.controller import SealController

log = logging.getLogger(__name__)

CLOCK_DOCUMENT = ("time", TIME_DOCUMENT_NAME)
#: Refusals that may not hold later: the time becomes trusted, the request is
#: recovered after a restart, the station is cleared or its card works again.
RETRY_LATER = frozenset({"clock", "no_request", "halted"})


@dataclass
class _Offer:
    token: str
    held_at_start: bool  # already in the feed store when the station started
    tried_in: tuple[object, ...] | None = None  # the situation it was last refused in


class FeedWatcher:
    def __init__(self, feed: FeedStore, clock: TrustedClock) -> None:
        self.feed = feed
        self.clock = clock
        self.generation = -1
        self.seen: set[tuple[str, str, int]] = set()  # (kind, name, version) taken in
        self.clock_version = 0
        self.waiting: dict[tuple[str, int], _Offer] = {}
        self.commands: list[tuple[str, int, dict[str, object]]] = []
        self.refusals: list[Refusal] = []

    def poll(self) -> list[str]:
        """Read what arrived since the last poll (the clock is trusted as it
        allows); the approval tokens among it."""
        generation = self.feed.generation()
        if generation == self.generation:
            return []
        at_start = self.generation == -1
        self.generation = generation
        self._read_clock()
        tokens = []
        for name in self.feed.names("approval"):
            held = self.feed.get("approval", name)
            if held is None or ("approval", name, held.document.version) in self.seen:
                continue
            self.seen.add(("approval", name, held.document.version))
            try:
                refusal = read_refusal(held.document.body)
            except RefusalMalformed as error:
                log.error("approval/%s v%d is not a refusal the station can read: %s", name,
                          held.document.version, error)
                continue
            if refusal is not None:
                self.refusals.append(refusal)
                continue
            token = held.document.body.get("token")
            if isinstance(token, str):
                self.waiting[(name, held.document.version)] = _Offer(token, at_start)
                tokens.append(token)
        for name in self.feed.names(COMMAND_KIND):
            held = self.feed.get(COMMAND_KIND, name)
            if held is None or (COMMAND_KIND, name, held.document.version) in self.seen:
                continue
            self.seen.add((COMMAND_KIND, name, held.document.version))
            self.commands.append((name, held.document.version, held.document.body))
        return tokens

    def _read_clock(self) -> None:
        held = self.feed.get(*CLOCK_DOCUMENT)
        if held is None or held.document.version <= self.clock_version:
            return
        receipt = self.feed.receipt(*CLOCK_DOCUMENT)
        county_time = held.document.body.get("time")
        if (receipt is None or receipt.version != held.document.version
                or not isinstance(county_time, int | float) or isinstance(county_time, bool)):
            return
        if self.clock.boot.since(receipt.moment) is None:
            log.info("the county's clock v%d was received before this boot: not trusted",
                     held.document.version)
            return
        self.clock_version = held.document.version
        self.clock.trust(float(county_time), "county", at=receipt.moment.boottime)

    def deliver(self, controller: SealController) -> None:
        """Poll, then hand the controller the new commands and every approval
        worth offering now."""
        self.poll()
        commands, self.commands = self.commands, []
        for name, version, body in commands:
            controller.offer_command(body, name, version)
        refusals, self.refusals = self.refusals, []
        for refusal in refusals:
            controller.offer_refusal(refusal)
        for key, offer in list(self.waiting.items()):
            approval = controller.read_approval(offer.token)
            old_news = offer.held_at_start or offer.tried_in is not None
            if old_news and approval is not None and controller.spent(approval):
                del self.waiting[key]  # used or expired: nothing to offer or record
                continue
            if offer.tried_in is not None and (
                    offer.tried_in == controller.situation() or approval is None
                    or not controller.awaits(approval)):
                continue
            if controller.offer_token(offer.token, "feed") is not None:
                del self.waiting[key]
            elif controller.last_refusal in RETRY_LATER:
                offer.tried_in = controller.situation()
            else:
                del self.waiting[key]
