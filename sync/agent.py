"""The sync agent: push what the outbox holds, pull what the county published.

One round (:meth:`SyncAgent.run_once`) sends every pending event in batches
bounded by count and bytes — first the blobs they name
(:mod:`protocol.event_blobs`: a payload's ``blobs``, a ledger record's
``photo``), resumably — and acknowledges locally only what the county
confirmed, in an answer signed by the county for that very request
(:mod:`sync.client` checks it); then it takes the feed. A blob is deleted on
the device once the county said, signed, that it holds it whole (it checks
the sha256 on the last byte) and no event still waiting names it.

Nothing one event or one photo holds can stop the queue: a blob that is
damaged (its bytes no longer have its sha256), unreadable or refused for good
is set aside (:mod:`sync.blob_quarantine`) and its events go without it; an
event the county would refuse is set aside in ``refused/``. Only what may
pass (no network, the county busy or failing, an answer that cannot be
trusted) makes a round fail and be tried again; so does a fault of the
device's own disk (:mod:`sync.disk_faults`), which loses nothing.
The daemon (:meth:`SyncAgent.run_forever`) repeats rounds, backing off
exponentially with jitter while the county cannot be reached and honouring
its ``Retry-After`` up to the longest backoff (it comes unsigned). What
happened is kept in a small status file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write
from protocol.device_health import HealthReport
from protocol.documents import DocumentRejected
from protocol.event_blobs import named_blobs
from protocol.events import Event, event_problem
from sync.blob_quarantine import QUARANTINE_STREAM, BlobQuarantine
from sync.boot import BootMoment
from sync.client import CountyClient, CountyRefused, CountyUnreachable
from sync.disk_faults import DISK_ERRNOS, DiskFault, disk_fault, save_even_when_full
from sync.feed_store import FeedStore
from sync.outbox import Outbox
from sync.settings import SyncSettings as SyncSettings  # kept apart

log = logging.getLogger(__name__)


@dataclass
class SyncStatus:
    last_success: float | None = None
    last_attempt: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    consecutive_failures: int = 0
    events_sent: int = 0
    documents_taken: int = 0
    documents_rejected: dict[str, int] = field(default_factory=dict)
    events_refused: int = 0
    blobs_quarantined: int = 0
    clock_offset_seconds: float | None = None

    @classmethod
    def load(cls, path: Path) -> SyncStatus:
        try:
            data = json.loads(path.read_text())
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (FileNotFoundError, ValueError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        save_even_when_full(path, json.dumps(asdict(self), indent=1).encode())


@dataclass(frozen=True)
class RoundResult:
    events_sent: int
    documents_taken: int


def backoff_delay(failures: int, settings: SyncSettings, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max, base * 2^failures)]."""
    ceiling = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** failures)
    return rng.uniform(0, ceiling)


def referenced_blobs(event: Event) -> tuple[str, ...]:
    """The blobs *event* names: its payload's ``blobs``, a ledger record's ``photo``."""
    return named_blobs(event.stream, event.payload)


def refused_for_good(status: int) -> bool:
    """A county refusal of a blob chunk that no retry can change: every 4xx
    but 401 (the request's signature or clock, not the blob), 408 and 409
    (the upload resumes from what the county holds)."""
    return 400 <= status < 500 and status not in (401, 408, 409, 429)


@dataclass
class _Unrecorded:
    """A quarantine decided but not yet recorded on the disk."""

    path: Path
    note: dict[str, Any]
    told: bool  # the event telling the county is stored


class SyncAgent:
    def __init__(
        self,
        outbox: Outbox,
        client: CountyClient,
        feed: FeedStore,
        status_path: Path,
        settings: SyncSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        refused_dir: Path | None = None,
        health: Callable[[float], HealthReport] | None = None,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.feed = feed
        self.status_path = status_path
        self.settings = settings or SyncSettings()
        self.clock = clock
        self.rng = rng or random.Random()
        self.refused_dir = refused_dir or outbox.directory / "refused"
        self.quarantine = BlobQuarantine(outbox.directory / "quarantine" / "blobs")
        self.status = SyncStatus.load(status_path)
        # photos to set aside whose quarantine the disk could not record (full or
        # read-only): skipped in memory, recorded once the disk takes it
        self._unrecorded: dict[str, _Unrecorded] = {}
        self._disk_error: OSError | None = None  # the last disk fault of this round
        # events the county confirmed whose acknowledgement the disk could not
        # store (read-only): left out of the next batches, acknowledged once it can
        self._confirmed: set[str] = set()
        # the device's health report (sync.device_health), carried by a feed
        # request at the first round and then every health_interval_seconds
        self.health = health
        self._health_sent: float | None = None

    # -- pushing -------------------------------------------------------------

    def _batch(self) -> list[Event]:
        events = self.outbox.pending(self.settings.batch_events, skip=self._confirmed)
        batch: list[Event] = []
        size = 0
        for event in events:
            event_size = len(json.dumps(event.to_wire(), ensure_ascii=False).encode())
            if batch and size + event_size > self.settings.batch_bytes:
                break
            batch.append(event)
            size += event_size
        return batch

    def push(self) -> int:
        """Send every pending event; the number the county took. A disk fault
        that only kept something from being recorded (a quarantine) does not
        stop the round: it is raised once everything has been sent."""
        sent = 0
        limit = self.settings.batch_events
        held: set[str] = set()  # blobs the county said it holds whole, this round
        self._disk_error = None
        self._acknowledge([])
        while True:
            batch = self._batch()[:limit]
            if not batch:
                self._deliver_unclaimed_blobs()
                fault = self._still_unrecorded()
                if fault is not None:
                    raise fault
                return sent
            unsendable = [(e, p) for e in batch if (p := event_problem(e.to_wire())) is not None]
            for event, problem in unsendable:
                self._set_aside(event, f"the county would refuse it: {problem}")
            if unsendable:
                continue
            for event in batch:
                for digest in referenced_blobs(event):
                    named_by = [e.id for e in batch if digest in referenced_blobs(e)]
                    if digest not in held and self.upload_blob(digest, named_by):
                        held.add(digest)
            backlog = max(0, self.outbox.stats().pending - len(self._confirmed))
            try:
                result = self.client.send_events([e.to_wire() for e in batch], backlog)
            except CountyRefused as refusal:
                if refusal.status == 413 and limit > 1:
                    limit = max(1, limit // 2)
                    continue
                index = refusal.body.get("index")
                if (refusal.status == 400 and isinstance(index, int)
                        and not isinstance(index, bool) and 0 <= index < len(batch)):
                    self._set_aside(batch[index], refusal.detail)
                    continue
                raise
            confirmed = result.accepted + result.duplicates
            self._acknowledge(confirmed)
            sent += len(result.accepted)
            self.status.events_sent += len(result.accepted)
            if result.server_time:
                self.status.clock_offset_seconds = result.server_time - self.clock()
            for event in batch:
                if event.id in confirmed:
                    for digest in referenced_blobs(event):
                        if digest in held:
                            self.outbox.release_blob(digest)
            if not confirmed:
                raise CountyUnreachable("the county confirmed none of a batch; trying later")

    def _set_aside(self, event: Event, why: str) -> None:
        """An event the county will never take: kept in a file, out of the queue."""
        self.refused_dir.mkdir(parents=True, exist_ok=True)
        record = {"event": event.to_wire(), "refused": why, "at": self.clock()}
        atomic_write(self.refused_dir / f"{event.id}.json",
                     json.dumps(record, ensure_ascii=False, indent=1).encode())
        self.outbox.ack([event.id])
        self.status.events_refused += 1
        log.error("county refused event %s (%s); kept in %s", event.id, why, self.refused_dir)

    def upload_blob(self, digest: str, named_by: list[str] | None = None) -> bool:
        """Send a blob from wherever the county's copy stops; True once the
        county said it holds the whole blob (the sha256 checked), False if
        the device has no copy to send, or will never send it: set aside,
        now or before (then the county is told, with the ids of the events
        *named_by* that name it)."""
        if self.quarantine.holds(digest):
            return False
        if digest in self._unrecorded:
            self._record_unrecorded()
            return False  # its events go without it, photo missing for now
        path = self.outbox.blob_path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False  # already uploaded and freed, or never stored
        except OSError as error:
            if error.errno != errno.EIO:
                raise
            return self._quarantine(digest, path, 0, named_by, "it cannot be read from the "
                                    f"SD card ({error.strerror})")
        found = hashlib.sha256(data).hexdigest()
        if found != digest:
            return self._quarantine(digest, path, len(data), named_by, "it is damaged: its "
                                    f"bytes now have sha256 {found} (a bad sector of the SD card?)")
        try:
            try:
                return self._send_blob(digest, data)
            except CountyRefused as refusal:
                if refusal.status not in (400, 422):
                    raise
                # the photo was checked above, so the county's copy is what is bad
                # (it discards it on 422): once more, from wherever it now stands
                log.warning("blob %s refused (%s); sending it again from the county's "
                            "copy, from offset 0 if it discarded it", digest, refusal)
                return self._send_blob(digest, data)
        except CountyRefused as refusal:
            if not refused_for_good(refusal.status):
                raise
            return self._quarantine(digest, path, len(data), named_by, "the county refused it "
                                    f"({refusal.status} {refusal.tag}: {refusal.detail})")

    def _send_blob(self, digest: str, data: bytes) -> bool:
        received, complete = self.client.blob_status(digest)
        chunk = self.settings.blob_chunk_bytes
        while not complete and received < len(data):
            try:
                received, complete = self.client.put_blob_chunk(
                    digest, received, len(data), data[received:received + chunk]
                )
            except CountyRefused as refusal:
                if refusal.status != 409:
                    raise
                received, complete = self.client.blob_status(digest)
        return complete

    def _quarantine(
        self, digest: str, path: Path, size: int, named_by: list[str] | None, why: str
    ) -> bool:
        """Tell the county the blob will not come, then set it aside; False,
        for :meth:`upload_blob`. (Told first: a power cut in between tells
        the county twice rather than never.)"""
        note = {"blob": digest, "size": size, "events": named_by or [], "why": why}
        self._unrecorded[digest] = _Unrecorded(path, note, told=False)
        if self._record(digest):
            log.error("blob %s will not be sent: %s; set aside in %s", digest, why,
                      self.quarantine.directory)
        else:
            log.error("blob %s will not be sent: %s; the disk cannot record that now, so it "
                      "is skipped and its events go without it until it can", digest, why)
        return False

    def _record(self, digest: str) -> bool:
        """Record the quarantine of *digest* kept in memory; False if the
        disk cannot take it yet (full or read-only: remembered for the end of
        the round); any other error is raised."""
        pending = self._unrecorded[digest]
        try:
            if not pending.told:
                self.outbox.append(QUARANTINE_STREAM, pending.note)
                pending.told = True
            self.quarantine.set_aside(digest, pending.path, {**pending.note, "at": self.clock()})
        except OSError as error:
            if error.errno not in DISK_ERRNOS:
                raise
            self._disk_error = error
            return False
        del self._unrecorded[digest]
        self.status.blobs_quarantined += 1
        return True

    def _record_unrecorded(self) -> None:
        for digest in list(self._unrecorded):
            self._record(digest)

    def _still_unrecorded(self) -> OSError | None:
        """Record what the disk could not take before; the disk's error if
        something is still not recorded."""
        self._record_unrecorded()
        self._acknowledge([])
        return self._disk_error if self._unrecorded or self._confirmed else None

    def _acknowledge(self, confirmed: list[str]) -> None:
        """Acknowledge *confirmed*, with whatever the disk could not take
        before; on a read-only or full disk, keep them in memory instead
        (left out of the next batches, so the backlog still goes)."""
        ids = [*self._confirmed, *confirmed]
        if not ids:
            return
        try:
            self.outbox.ack(ids)
        except OSError as error:
            if error.errno not in DISK_ERRNOS:
                raise
            self._disk_error = error
            self._confirmed.update(confirmed)
            log.warning("the county confirmed %d events but the disk cannot record it (%s); "
                        "they are left out of this round and sent again later, which is "
                        "harmless", len(self._confirmed), error.strerror or error)
            return
        self._confirmed.clear()

    def _deliver_unclaimed_blobs(self) -> None:
        """Photos no waiting event names (their event is not stored yet, or a
        crash came between its acknowledgement and the photo's deletion)
        are sent too, and freed once the county holds them."""
        for digest in self.outbox.unclaimed_blobs():
            try:
                if self.upload_blob(digest):
                    self.outbox.release_blob(digest)
            except CountyRefused as refusal:  # kept; it must not hold up the feed
                log.error("county refused blob %s (%s); kept on the device", digest, refusal)

    # -- pulling -------------------------------------------------------------

    def pull(self) -> int:
        taken = 0
        while True:
            after = self.feed.cursor()
            # The county reads its clock after it gets this request: its time
            # anchored at the asking is never behind the truth, however long
            # the answer is held on the way (it can only run ahead, and the
            # client takes no answer later than its feed deadline).
            asked = self.feed.boot.moment()
            report = self._health_due()
            page = self.client.feed(after, report)
            if report is not None:
                self._health_sent = self.clock()
            documents = page.get("documents", [])
            if isinstance(page.get("server_time"), int | float):
                self.status.clock_offset_seconds = float(page["server_time"]) - self.clock()
            if page.get("time") is not None:
                self._take(page["time"], asked)
            if not documents:
                return taken
            for entry in documents:
                if self._take(entry.get("signed")):
                    taken += 1
                    self.status.documents_taken += 1
                self.feed.set_cursor(max(self.feed.cursor(), int(entry.get("seq", after))))
            if self.feed.cursor() <= after:
                return taken  # the county sent nothing newer: do not ask again

    def _health_due(self) -> str | None:
        """The health report to send with this feed request, if one is due."""
        if self.health is None:
            return None
        now = self.clock()
        if (self._health_sent is not None
                and 0 <= now - self._health_sent < self.settings.health_interval_seconds):
            return None
        try:
            return self.health(now).to_header()
        except (OSError, ValueError) as error:  # a figure that cannot be read: next time
            log.warning("no health report this round: %s", error)
            return None

    def _take(self, wire: Any, asked: BootMoment | None = None) -> bool:
        try:
            self.feed.accept(wire, received=asked)
            return True
        except DocumentRejected as rejection:
            counts = self.status.documents_rejected
            counts[rejection.reason] = counts.get(rejection.reason, 0) + 1
            return False

    # -- rounds ----------------------------------------------------------------

    def run_once(self) -> RoundResult:
        """Push everything, pull the feed. Raises CountyUnreachable,
        CountyRefused or DiskFault; the status file records the outcome
        either way (as far as the disk lets it)."""
        self.status.last_attempt = self.clock()
        try:
            sent = self.push()
            taken = self.pull()
        except (CountyUnreachable, CountyRefused) as error:
            self._failed(str(error))
            raise
        except OSError as error:
            fault = disk_fault(error, self.status_path.parent)
            if fault is None:
                raise
            self._failed(fault.strerror or str(fault))
            raise fault from error
        self.status.last_success = self.clock()
        self.status.consecutive_failures = 0
        self.status.save(self.status_path)
        return RoundResult(sent, taken)

    def _failed(self, why: str) -> None:
        self.status.last_error = why
        self.status.last_error_at = self.clock()
        self.status.consecutive_failures += 1
        try:
            self.status.save(self.status_path)
        except OSError as error:  # a read-only disk: sync status sees that for itself
            log.debug("cannot record the failed round in %s: %s", self.status_path, error)

    def delay_after(self, error: CountyUnreachable) -> float:
        """How long to wait after a failed round: backoff, or longer if asked."""
        delay = backoff_delay(self.status.consecutive_failures, self.settings, self.rng)
        if error.retry_after is not None:
            # unsigned (anything on the path may send it): never past the longest backoff
            delay = max(delay, min(error.retry_after, self.settings.backoff_max_seconds))
        return delay

    def run_forever(
        self, stop: threading.Event, alive: Callable[[], object] | None = None,
        alive_every: float = 30.0,
    ) -> None:
        """Rounds until *stop* is set. *alive* (the systemd watchdog ping) is
        called after each round and at least every *alive_every* seconds while
        waiting, so a long backoff is never mistaken for a hang."""
        while not stop.is_set():
            try:
                result = self.run_once()
                if result.events_sent or result.documents_taken:
                    log.info("sent %d events, took %d documents",
                             result.events_sent, result.documents_taken)
                delay = self.settings.interval_seconds
            except CountyUnreachable as error:
                delay = self.delay_after(error)
                log.warning("county unreachable (%s); next try in %.0f s", error, delay)
            except CountyRefused as error:
                delay = self.settings.backoff_max_seconds
                log.error("%s; next try in %.0f s", error, delay)
            except DiskFault as error:
                delay = backoff_delay(self.status.consecutive_failures, self.settings, self.rng)
                log.error("%s; next try in %.0f s", error.strerror, delay)
            deadline = time.monotonic() + delay
            while not stop.is_set():
                if alive is not None:
                    alive()
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                stop.wait(min(left, alive_every))
