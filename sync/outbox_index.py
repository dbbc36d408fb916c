"""The outbox's read side: which events are still waiting, and where.

An :class:`OutboxIndex` follows the outbox's files the way ``tail -f`` does:
each :meth:`~OutboxIndex.refresh` reads only the bytes appended since the last one (the
acknowledgement log and every segment), so the cost of keeping up does not
grow with the backlog. Bad bytes found on the way are copied to the
quarantine directory, once, and skipped. The caller holds the outbox's lock
(shared or exclusive) around every call.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from durable.atomic import fsync_directory
from durable.records import BadBytes, Record, scan
from protocol.event_blobs import named_blobs
from sync.streams import Lane

log = logging.getLogger(__name__)

SEGMENT_PREFIX = "seg-"
SEGMENT_SUFFIX = ".log"


def segment_name(number: int) -> str:
    return f"{SEGMENT_PREFIX}{number:08d}{SEGMENT_SUFFIX}"


def segment_number(name: str) -> int | None:
    if not (name.startswith(SEGMENT_PREFIX) and name.endswith(SEGMENT_SUFFIX)):
        return None
    digits = name[len(SEGMENT_PREFIX):-len(SEGMENT_SUFFIX)]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def list_segments(directory: Path) -> list[int]:
    numbers = (segment_number(entry.name) for entry in os.scandir(directory))
    return sorted(n for n in numbers if n is not None)


class Location(NamedTuple):
    lane: Lane
    segment: int
    offset: int
    size: int
    stream: str
    created: float


@dataclass
class _Segment:
    lane: Lane
    number: int
    path: Path
    read_to: int = 0
    live: int = 0
    acked: list[str] = field(default_factory=list)


@dataclass
class _AckLog:
    path: Path
    inode: int | None = None
    read_to: int = 0


class OutboxIndex:
    """Pending events by lane, in the order they were appended. A
    *read_only* index copies no bad bytes to the quarantine; it names them
    in :attr:`unkept`."""

    def __init__(self, directory: Path, quarantine: Path, *, read_only: bool = False) -> None:
        self.directory = directory
        self.quarantine = quarantine
        self.read_only = read_only
        self.unkept: set[str] = set()
        self.pending: dict[Lane, dict[str, Location]] = {lane: {} for lane in Lane}
        self.pending_bytes = 0
        #: How many pending events name each blob; only events naming one are kept.
        self.blob_refs: dict[str, int] = {}
        self._blobs_of: dict[str, tuple[str, ...]] = {}
        self._segments: dict[tuple[Lane, int], _Segment] = {}
        self._acks = _AckLog(directory / "acks.log")
        self._unmatched_acks: set[str] = set()

    # -- following the files -------------------------------------------------

    def refresh(self) -> None:
        self._follow_acks()
        for lane in Lane:
            self._follow_lane(lane)

    def _follow_acks(self) -> None:
        try:
            stat = os.stat(self._acks.path)
        except FileNotFoundError:
            return
        if self._acks.inode is not None and stat.st_ino != self._acks.inode:
            self._reset()  # rewritten by compaction: read everything afresh
        if stat.st_ino != self._acks.inode:
            self._acks.inode, self._acks.read_to = stat.st_ino, 0
        for item in self._read_new(self._acks.path, self._acks.read_to, "acks"):
            if isinstance(item, Record):
                for event_id in _ack_ids(item.body):
                    self._mark_acked(event_id)
                self._acks.read_to = item.offset + item.size
            else:
                self._acks.read_to = item.offset + len(item.data)

    def _reset(self) -> None:
        for pending in self.pending.values():
            pending.clear()
        self.pending_bytes = 0
        self.blob_refs.clear()
        self._blobs_of.clear()
        self._segments.clear()
        self._unmatched_acks.clear()
        self._acks = _AckLog(self._acks.path)

    def _follow_lane(self, lane: Lane) -> None:
        directory = self.directory / lane.value
        try:
            present = set(list_segments(directory))
        except FileNotFoundError:  # a lane no writer has made yet (a read-only look)
            present = set()
        for key in [k for k in self._segments if k[0] is lane and k[1] not in present]:
            self._forget_segment(self._segments.pop(key))
        for number in sorted(present):
            segment = self._segments.get((lane, number))
            if segment is None:
                segment = _Segment(lane, number, directory / segment_name(number))
                self._segments[(lane, number)] = segment
            self._follow_segment(segment)

    def _follow_segment(self, segment: _Segment) -> None:
        pending = self.pending[segment.lane]
        label = f"{segment.lane.value}-{segment.number:08d}"
        for item in self._read_new(segment.path, segment.read_to, label):
            if isinstance(item, BadBytes):
                segment.read_to = item.offset + len(item.data)
                continue
            segment.read_to = item.offset + item.size
            try:
                event = json.loads(item.body)
                event_id, created = event["id"], float(event["created"])
                stream = sys.intern(event["stream"])  # a few names, 100k events
                payload = event.get("payload")
                blobs = named_blobs(stream, payload) if isinstance(payload, dict) else ()
            except (ValueError, KeyError, TypeError):
                self._quarantine(f"{label}-{item.offset}", item.body, "record is not an event")
                continue
            if event_id in self._unmatched_acks:
                self._unmatched_acks.discard(event_id)
                segment.acked.append(event_id)
                continue
            if event_id in pending:
                continue  # the same record read twice cannot happen; be safe
            pending[event_id] = Location(
                segment.lane, segment.number, item.offset, item.size, stream, created
            )
            segment.live += 1
            self.pending_bytes += item.size
            if blobs:
                self._blobs_of[event_id] = blobs
                for digest in blobs:
                    self.blob_refs[digest] = self.blob_refs.get(digest, 0) + 1

    def _read_new(self, path: Path, start: int, label: str) -> Iterator[Record | BadBytes]:
        """Records appended to *path* since *start*; bad bytes quarantined.
        Segments are rotated at a bounded size, so one read takes the lot."""
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            data = os.pread(fd, max(0, os.fstat(fd).st_size - start), start)
        finally:
            os.close(fd)
        for item in scan(data, base=start):
            if isinstance(item, BadBytes):
                why = "torn write" if item.at_end else "corrupt bytes"
                self._quarantine(f"{label}-{item.offset}", item.data, why)
            yield item

    def _quarantine(self, name: str, data: bytes, why: str) -> None:
        """Keep the bad bytes for the technician; once per place, whoever finds it."""
        target = self.quarantine / f"{name}.bad"
        if target.exists():
            return
        if self.read_only:
            self.unkept.add(name)
            return
        log.warning("outbox: %s, %d bytes at %s, quarantined", why, len(data), name)
        try:
            temporary = self.quarantine / f".{name}.{os.getpid()}.tmp"
            temporary.write_bytes(data)
            note = self.quarantine / f"{name}.txt"
            note.write_text(f"{why}: {len(data)} bytes at {name}\n", encoding="utf-8")
            os.replace(temporary, target)
            fsync_directory(self.quarantine)
        except OSError as error:  # a read-only or full card: report, read on
            log.error("outbox: cannot keep the quarantined bytes of %s: %s", name, error)

    # -- acknowledgements ----------------------------------------------------

    def _mark_acked(self, event_id: str) -> None:
        for lane in Lane:
            location = self.pending[lane].pop(event_id, None)
            if location is not None:
                segment = self._segments.get((lane, location.segment))
                if segment is not None:
                    segment.live -= 1
                    segment.acked.append(event_id)
                self.pending_bytes -= location.size
                self._release_blobs(event_id)
                return
        self._unmatched_acks.add(event_id)

    def _release_blobs(self, event_id: str) -> None:
        for digest in self._blobs_of.pop(event_id, ()):
            left = self.blob_refs[digest] - 1
            if left:
                self.blob_refs[digest] = left
            else:
                del self.blob_refs[digest]

    def _forget_segment(self, segment: _Segment) -> None:
        pending = self.pending[segment.lane]
        gone = [i for i, loc in pending.items() if loc.segment == segment.number]
        for event_id in gone:
            self.pending_bytes -= pending.pop(event_id).size
            self._release_blobs(event_id)

    # -- what the outbox asks ------------------------------------------------

    def finished_segments(self, lane: Lane, below: int) -> list[int]:
        """Segments numbered below *below* with nothing left pending."""
        return [
            segment.number
            for (segment_lane, number), segment in self._segments.items()
            if segment_lane is lane and number < below and segment.live == 0
        ]

    def live_in(self, lane: Lane, number: int) -> dict[str, int]:
        """Pending events of one segment, counted by stream."""
        counts: dict[str, int] = {}
        for location in self.pending[lane].values():
            if location.segment == number:
                counts[location.stream] = counts.get(location.stream, 0) + 1
        return counts

    def acked_still_on_disk(self) -> list[str]:
        return [i for s in self._segments.values() for i in s.acked]

    def oldest_created(self) -> float | None:
        heads = [next(iter(p.values())).created for p in self.pending.values() if p]
        return min(heads) if heads else None

    def count(self) -> int:
        return sum(len(p) for p in self.pending.values())

    def in_order(self) -> Iterator[tuple[str, Location]]:
        """Pending events oldest first: the lanes merged by creation time,
        each lane in the order its events were appended."""
        iterators = [iter(self.pending[lane].items()) for lane in Lane]
        heads = [next(it, None) for it in iterators]
        while True:
            live = [i for i, head in enumerate(heads) if head is not None]
            if not live:
                return
            best = min(live, key=lambda i: (heads[i][1].created, heads[i][0]))  # type: ignore[index]
            yield heads[best]  # type: ignore[misc]
            heads[best] = next(iterators[best], None)


def _ack_ids(body: bytes) -> list[str]:
    try:
        value = json.loads(body)
        ids = value["ack"]
    except (ValueError, KeyError, TypeError):
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
