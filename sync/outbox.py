"""The outbox: everything a device records, kept until the county has it.

Design (docs/sync.md, "The outbox", says why not tinydb or SQLite): two lanes of
append-only segment files (critical and bulk, see :mod:`sync.streams`), each
record framed with a length and CRC-32 (:mod:`durable.records`), and an
append-only log of acknowledged ids. An append is one ``write`` of one
record and one ``fsync`` — the cost does not grow with the backlog, and the
bytes written stay close to the event's size. Processes share the outbox
through an ``flock``: writers exclusive, readers shared. Segments whose events
are all acknowledged are deleted; the acknowledgement log is rewritten
atomically when it grows.

Two reserve files hold disk space back for what must be written on a full
card: ``reserve`` for acknowledgements (which let the backlog drain and the
space come back) and ``alarm-reserve`` for alarm events (stream ``alarm``),
which are stored even past the quota and even when the disk is full. A reserve
is given up to store what it is for and made again when space returns.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write, fsync_directory
from durable.records import HEADER_SIZE, frame, scan
from protocol.events import Event
from sync.errors import SyncError
from sync.event_ids import EventIdSource
from sync.outbox_index import OutboxIndex, list_segments, segment_name
from sync.streams import Lane, check_stream, lane_of

log = logging.getLogger(__name__)

SEGMENT_BYTES = 1024 * 1024
ACK_LOG_COMPACT_BYTES = 256 * 1024
RESERVE_BYTES = 64 * 1024  # kept free so that acknowledgements fit on a full disk
ALARM_RESERVE_BYTES = 64 * 1024  # kept free so that alarms fit on a full disk, or past the quota
ACK_RESERVE = "reserve"
ALARM_RESERVE = "alarm-reserve"
RESERVE_FILES = (ACK_RESERVE, ALARM_RESERVE)
ALARM_PERCENT = 80
ALARM_CLEAR_PERCENT = 70
ALARM_STREAM = "alarm"
QUOTA_STREAM = ALARM_STREAM


class OutboxError(SyncError):
    """Root of the outbox's errors."""


class OutboxFullError(OutboxError, OSError):
    """No room for this event, and it may not be dropped."""


class OutboxWriteError(OutboxError, OSError):
    """The event could not be stored (I/O error, read-only disk)."""


class PayloadError(OutboxError, ValueError):
    """The payload cannot be stored as an event."""


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    pending_bytes: int
    oldest_age_seconds: float | None
    quarantined: int
    dropped: int
    used_bytes: int
    quota_bytes: int | None

    @property
    def used_percent(self) -> float | None:
        if not self.quota_bytes:
            return None
        return 100 * self.used_bytes / self.quota_bytes


class Syscalls:
    """The writes and syncs the outbox makes: the seam where tests inject
    I/O errors that a real disk cannot be made to produce on demand."""

    def write(self, fd: int, data: bytes) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)


@dataclass
class _Writer:
    fd: int
    segment: int


class Outbox:
    """A durable queue of events in *directory*, shared between processes."""

    def __init__(
        self,
        directory: Path,
        *,
        quota_bytes: int | None = None,
        segment_bytes: int = SEGMENT_BYTES,
        ids: EventIdSource | None = None,
        clock: Callable[[], float] = time.time,
        syscalls: Syscalls | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.quota_bytes = quota_bytes
        self.segment_bytes = segment_bytes
        self._ids = ids or EventIdSource()
        self._clock = clock
        self._sys = syscalls or Syscalls()
        self._quarantine = self.directory / "quarantine"
        self._blobs = self.directory / "blobs"
        try:
            for folder in (*(self.directory / lane.value for lane in Lane),
                           self._quarantine, self._blobs):
                folder.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if error.errno != errno.EROFS or not (self.directory / "lock").exists():
                raise OutboxWriteError(
                    error.errno, f"cannot open the outbox in {self.directory} "
                    f"({error.strerror}): check the SD card and the directory's owner"
                ) from error
            # A card remounted read-only after errors: what is on it can still be sent.
            # Whatever then fails to be stored says so (an append, an acknowledgement).
            log.info("outbox %s is on a read-only disk: nothing new can be stored",
                     self.directory)
            self._lock_fd = os.open(self.directory / "lock", os.O_RDONLY)
        self._writers: dict[Lane, _Writer] = {}
        self._index = OutboxIndex(self.directory, self._quarantine)
        self._closed = False
        self._reserve = self.directory / ACK_RESERVE
        self._alarm_reserve = self.directory / ALARM_RESERVE
        self._keep_reserves()

    def _keep_reserves(self) -> None:
        """Hold some disk space back, or take it back once space has returned.
        When the card fills up, appends fail, but the alarm reserve can be
        given up to store an alarm, and the other to record acknowledgements,
        which is what lets the backlog drain and space come back."""
        for path, size in ((self._alarm_reserve, ALARM_RESERVE_BYTES),
                           (self._reserve, RESERVE_BYTES)):
            if path.exists():
                continue
            try:
                atomic_write(path, bytes(size))
            except OSError as error:
                # a full disk: whatever then fails to be stored says so
                log.info("outbox: cannot set %s aside yet (%s)", path.name,
                         error.strerror or error)
                return

    def _give_up(self, reserve: Path) -> bool:
        """Free the space *reserve* holds; False if it was not there to give."""
        try:
            reserve.unlink()
        except FileNotFoundError:
            return False
        log.error("outbox: the disk is full; %s given up", reserve.name)
        return True

    # -- locking -------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        if self._closed:
            raise OutboxError(f"outbox {self.directory} is closed")
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    # -- appending -----------------------------------------------------------

    def append(self, stream: str, payload: Mapping[str, Any]) -> str:
        """Store one event durably; returns its id once it is on disk."""
        check_stream(stream)
        if not isinstance(payload, Mapping):
            raise PayloadError(f"payload must be a JSON object, got {type(payload).__name__}")
        created = self._clock()
        event_id = self._ids.new_id(created)
        try:
            body = json.dumps(
                {"id": event_id, "stream": stream, "created": created, "payload": payload},
                ensure_ascii=False, separators=(",", ":"), allow_nan=False,
            ).encode()
        except (TypeError, ValueError) as error:
            raise PayloadError(f"payload of {stream!r} is not JSON: {error}") from None
        record = frame(body)
        with self._locked(exclusive=True):
            used = self._make_room(len(record), stream)
            if stream == ALARM_STREAM:
                self._write_alarm(record)
            else:
                self._write(lane_of(stream), record)
            if used is not None:
                self._check_alarm(used + len(record))
        return event_id

    def _write_alarm(self, record: bytes) -> None:
        """An alarm is stored on a full disk too: in the alarm reserve's space."""
        try:
            self._write(Lane.CRITICAL, record)
        except OutboxFullError:
            if not self._give_up(self._alarm_reserve):
                raise
            self._write(Lane.CRITICAL, record)

    def _write(self, lane: Lane, record: bytes) -> None:
        writer = self._writer(lane)
        start = os.fstat(writer.fd).st_size
        try:
            written = self._sys.write(writer.fd, record)
            if written != len(record):
                raise OSError(errno.ENOSPC, "short write: the disk is full")
            self._sys.fsync(writer.fd)
        except OSError as error:
            self._undo(writer, start)
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutboxFullError(
                    error.errno, f"the disk holding {self.directory} is full: the event was "
                    "not stored; free space on the SD card"
                ) from error
            raise OutboxWriteError(
                error.errno or errno.EIO,
                f"cannot store the event in {self.directory} ({error.strerror or error}); "
                "the event was not stored: check the SD card",
            ) from error

    def _undo(self, writer: _Writer, size: int) -> None:
        """Take back a record that did not reach the disk whole."""
        try:
            os.ftruncate(writer.fd, size)
        except OSError:
            log.warning("could not truncate a failed write; readers will quarantine it")
        os.close(writer.fd)
        for lane, known in list(self._writers.items()):
            if known is writer:
                del self._writers[lane]

    def _writer(self, lane: Lane) -> _Writer:
        """The open file of the lane's newest segment. Another process may
        have moved on to a newer one, or compaction removed ours: look every
        time (one directory read, under the lock)."""
        directory = self.directory / lane.value
        numbers = list_segments(directory)
        newest = numbers[-1] if numbers else 1
        writer = self._writers.get(lane)
        if writer is not None:
            if writer.segment == newest and os.fstat(writer.fd).st_size < self.segment_bytes:
                return writer
            os.close(writer.fd)
            del self._writers[lane]
        path = directory / segment_name(newest)
        if path.exists() and path.stat().st_size >= self.segment_bytes:
            newest += 1
            path = directory / segment_name(newest)
        created = not path.exists()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutboxFullError(
                    error.errno, f"the disk holding {self.directory} is full: {path} cannot "
                    "be made and the event was not stored; free space on the SD card"
                ) from error
            raise OutboxWriteError(
                error.errno, f"cannot open {path} for writing ({error.strerror}): "
                "the event was not stored; check the SD card"
            ) from error
        if created:
            fsync_directory(directory)
        writer = _Writer(fd, newest)
        self._writers[lane] = writer
        return writer

    # -- the quota -----------------------------------------------------------

    def used_bytes(self) -> int:
        return _used_bytes(self.directory)

    def _make_room(self, size: int, stream: str) -> int | None:
        """Bytes in use once there is room for *size* more; None without a
        quota. An alarm may go past the quota by the alarm reserve."""
        if self.quota_bytes is None:
            return None
        used = self.used_bytes()
        if used + size > self.quota_bytes:
            self._drop_bulk(used + size - self.quota_bytes)
            used = self.used_bytes()
        if used + size <= self.quota_bytes:
            return used
        if stream == ALARM_STREAM and used + size <= self.quota_bytes + ALARM_RESERVE_BYTES:
            log.error("outbox full: an alarm is stored past the quota, in the alarm reserve")
            return used
        raise OutboxFullError(
            errno.ENOSPC,
            f"outbox full: {used:,} of {self.quota_bytes:,} bytes hold events the county has "
            f"not confirmed, and no telemetry is left to drop; this {stream!r} event was not "
            "stored: restore the link to the county so the backlog drains, then try again",
        )

    def _drop_bulk(self, needed: int) -> None:
        """Delete the oldest telemetry segments until *needed* bytes are free."""
        self._index.refresh()
        directory = self.directory / Lane.BULK.value
        freed, dropped = 0, 0
        for number in list_segments(directory):
            if freed >= needed:
                break
            writer = self._writers.get(Lane.BULK)
            if writer is not None and writer.segment == number:
                os.close(writer.fd)
                del self._writers[Lane.BULK]
            counts = self._index.live_in(Lane.BULK, number)
            path = directory / segment_name(number)
            freed += path.stat().st_size
            path.unlink()
            dropped += sum(counts.values())
            log.warning("outbox full: dropped %d telemetry events %s", sum(counts.values()), counts)
        if freed:
            fsync_directory(directory)
            self._append_note({"dropped": dropped})
            self._index.refresh()

    def _check_alarm(self, used: int) -> None:
        """Raise one alarm event when the outbox passes 80% of its quota (one
        marker file, so several processes raise it once), clear below 70%.
        The event that was just stored stays stored whatever happens here."""
        assert self.quota_bytes
        percent = 100 * used / self.quota_bytes
        marker = self.directory / "quota-alarm"
        try:
            if percent >= ALARM_PERCENT and not marker.exists():
                payload = {"kind": "outbox_quota", "used_percent": round(percent, 1),
                           "quota_bytes": self.quota_bytes}
                body = json.dumps({"id": self._ids.new_id(), "stream": QUOTA_STREAM,
                                   "created": self._clock(), "payload": payload}).encode()
                self._write_alarm(frame(body))
                atomic_write(marker, f"{percent:.0f}\n".encode())
                log.warning("outbox %.0f%% full: alarm raised", percent)
            elif percent < ALARM_CLEAR_PERCENT and marker.exists():
                marker.unlink()
        except OSError as error:
            log.error("outbox %.0f%% full, and the alarm saying so cannot be stored: %s",
                      percent, error)

    # -- notes: acknowledgements and drop counts ------------------------------

    def _append_note(self, note: dict[str, Any], name: str = "notes.log") -> None:
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            record = frame(json.dumps(note, separators=(",", ":")).encode())
            if self._sys.write(fd, record) != len(record):
                raise OSError(errno.ENOSPC, "short write")
            self._sys.fsync(fd)
        finally:
            os.close(fd)

    def _dropped_total(self) -> int:
        return _dropped_total(self.directory)

    # -- blobs -------------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        """Store a photo or document durably by its sha256, which events
        name (:mod:`protocol.event_blobs`). Counts against the quota like a
        critical event: never dropped, refused with a clear error when full."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.blob_path(digest)
        with self._locked(exclusive=True):
            if path.exists():
                return digest
            self._make_room(len(data), "blob")
            try:
                atomic_write(path, data)
            except OSError as error:
                full = error.errno in (errno.ENOSPC, errno.EDQUOT)
                raise (OutboxFullError if full else OutboxWriteError)(
                    error.errno or errno.EIO,
                    f"cannot store a {len(data):,}-byte blob in {self._blobs} "
                    f"({error.strerror or error}): it was not stored",
                ) from error
        return digest

    def blob_path(self, digest: str) -> Path:
        if not _is_digest(digest):
            raise ValueError(f"not a sha256 in hex: {digest!r}")
        return self._blobs / digest

    def remove_blob(self, digest: str) -> None:
        """Forget a blob, whatever names it."""
        with self._locked(exclusive=True):
            self.blob_path(digest).unlink(missing_ok=True)
            self._keep_reserves()

    def release_blob(self, digest: str) -> bool:
        """Delete a blob the county holds, unless an event still waiting
        names it (it goes with the last of them); True if it was deleted."""
        path = self.blob_path(digest)
        with self._locked(exclusive=True):
            self._index.refresh()
            if digest in self._index.blob_refs or not path.exists():
                return False
            path.unlink()
            self._keep_reserves()
        return True

    def unclaimed_blobs(self) -> list[str]:
        """Blobs on the device that no waiting event names: a photo whose event
        is not stored yet, or was acknowledged before the photo was freed."""
        with self._locked(exclusive=False):
            self._index.refresh()
            held = [entry.name for entry in os.scandir(self._blobs) if entry.is_file()]
            named = set(self._index.blob_refs)
        return sorted(name for name in held if _is_digest(name) and name not in named)

    # -- reading and acknowledging ---------------------------------------------

    def pending(self, limit: int = 100, skip: Container[str] = ()) -> list[Event]:
        """Up to *limit* events not yet acknowledged, oldest first, each
        stream in the order it was appended; none whose id is in *skip*."""
        with self._locked(exclusive=False):
            self._index.refresh()
            chosen: list[tuple[str, Any]] = []
            for event_id, location in self._index.in_order():
                if len(chosen) >= limit:
                    break
                if event_id not in skip:
                    chosen.append((event_id, location))
            return [self._read_event(location) for _, location in chosen]

    def _read_event(self, location: Any) -> Event:
        path = self.directory / location.lane.value / segment_name(location.segment)
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.pread(fd, location.size, location.offset)
        finally:
            os.close(fd)
        body = json.loads(data[HEADER_SIZE:])
        return Event(body["id"], body["stream"], body["created"], body["payload"])

    def ack(self, event_ids: Iterable[str]) -> int:
        """Mark events as received by the county; returns how many were pending."""
        ids = [i for i in event_ids if isinstance(i, str)]
        if not ids:
            return 0
        with self._locked(exclusive=True):
            self._index.refresh()
            known = [i for i in ids if any(i in p for p in self._index.pending.values())]
            if not known:
                return 0
            try:
                self._record_acks(known)
            except OSError as error:
                raise OutboxWriteError(
                    error.errno or errno.EIO,
                    f"cannot record acknowledgements in {self.directory} "
                    f"({error.strerror or error}); they will be sent again, which is harmless",
                ) from error
            self._index.refresh()
            self._compact()
            self._keep_reserves()
        return len(known)

    def _record_acks(self, known: list[str]) -> None:
        """Append to the acknowledgement log; on a full disk, in the space of
        its reserve, and as the last resort the alarm reserve's: the
        acknowledgement frees whole segments, and both come back at once."""
        spare = [self._reserve, self._alarm_reserve]
        while True:
            try:
                self._append_note({"ack": known}, name="acks.log")
                return
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                if not any(self._give_up(spare.pop(0)) for _ in range(len(spare))):
                    raise

    def _compact(self) -> None:
        for lane in Lane:
            numbers = list_segments(self.directory / lane.value)
            if not numbers:
                continue
            # The newest segment is where writers append: never removed.
            finished = self._index.finished_segments(lane, below=numbers[-1])
            for number in finished:
                (self.directory / lane.value / segment_name(number)).unlink(missing_ok=True)
            if finished:
                fsync_directory(self.directory / lane.value)
        acks = self.directory / "acks.log"
        if acks.exists() and acks.stat().st_size > ACK_LOG_COMPACT_BYTES:
            self._index.refresh()
            kept = self._index.acked_still_on_disk()
            atomic_write(acks, frame(json.dumps({"ack": kept}).encode()) if kept else b"")
            self._index.refresh()

    def stats(self) -> OutboxStats:
        with self._locked(exclusive=False):
            self._index.refresh()
            oldest = self._index.oldest_created()
            return OutboxStats(
                pending=self._index.count(),
                pending_bytes=self._index.pending_bytes,
                oldest_age_seconds=None if oldest is None else max(0.0, self._clock() - oldest),
                quarantined=sum(1 for p in self._quarantine.glob("*.bad")),
                dropped=self._dropped_total(),
                used_bytes=self.used_bytes(),
                quota_bytes=self.quota_bytes,
            )

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for writer in self._writers.values():
            os.close(writer.fd)
        self._writers.clear()
        os.close(self._lock_fd)

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def peek_stats(directory: Path, *, quota_bytes: int | None = None,
               clock: Callable[[], float] = time.time) -> OutboxStats:
    """The statistics of the outbox in *directory*, read without changing
    anything: unlike opening an :class:`Outbox`, this makes no directory,
    lock file or reserve, and damaged bytes are counted as quarantined
    without being copied there (the next writer does that). For the
    doctor and ``sync status``, which only observe. An outbox that does not
    exist yet is an empty one."""
    directory = Path(directory)
    if not directory.is_dir():
        return OutboxStats(0, 0, None, 0, 0, 0, quota_bytes)
    quarantine = directory / "quarantine"
    with _shared_lock(directory):
        index = OutboxIndex(directory, quarantine, read_only=True)
        index.refresh()
        oldest = index.oldest_created()
        kept = len(list(quarantine.glob("*.bad"))) if quarantine.is_dir() else 0
        return OutboxStats(
            pending=index.count(),
            pending_bytes=index.pending_bytes,
            oldest_age_seconds=None if oldest is None else max(0.0, clock() - oldest),
            quarantined=kept + len(index.unkept),
            dropped=_dropped_total(directory),
            used_bytes=_used_bytes(directory),
            quota_bytes=quota_bytes,
        )


@contextlib.contextmanager
def _shared_lock(directory: Path) -> Iterator[None]:
    """The outbox's lock, shared, if a writer ever made it; opened read-only."""
    try:
        fd = os.open(directory / "lock", os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _is_digest(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _used_bytes(directory: Path) -> int:
    """The bytes of the outbox's files (not the reserves), counting the
    folders that are there."""
    total = 0
    folders = (directory, directory / "blobs", *(directory / lane.value for lane in Lane))
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                total += sum(
                    e.stat().st_size for e in entries
                    if e.is_file() and e.name not in RESERVE_FILES
                )
        except FileNotFoundError:
            continue
    return total


def _dropped_total(directory: Path) -> int:
    try:
        data = (directory / "notes.log").read_bytes()
    except FileNotFoundError:
        return 0
    total = 0
    for item in scan(data):
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            total += int(json.loads(item.body)["dropped"])  # type: ignore[union-attr]
    return total
