"""The station's ledger: every transition of the seal, hash-chained, on disk
before the actuator moves.

Records are framed like the outbox's (:mod:`durable.records`) in one append-only
file; each append is fsync'd before it returns, and then the high-water mark
(``seq`` and ``hash`` of that record) is replaced atomically beside the ledger
directory. Each record carries ``seq``, ``prev`` (the hash of the record
before), ``at``, ``kind`` and the record's own ``hash``
(:mod:`protocol.ledger_chain`).

On open the file is checked (:mod:`seal_controller.ledger_check`). A write
torn by a power cut is cut off (its bytes kept in ``ledger.torn``) and the
chain goes on. Any other damage is kept as :attr:`Ledger.damage`: nothing may
be appended to a damaged file; :meth:`Ledger.start_segment` sets it aside
(``damaged-N.log``) and starts a new file whose first record says so, going
on from the newest record the station knew of.

An append that fails is taken back (the file is cut to where it was), so a
full or failing card never leaves a half record in the middle of the chain;
if even that fails, no further append is tried until the station restarts.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write, fsync_directory
from durable.records import frame
from protocol.ledger_chain import GENESIS, record_hash
from seal_controller.errors import SealError
from seal_controller.ledger_check import (
    FORWARDED_FILE,
    LEDGER_FILE,
    SET_ASIDE_GLOB,
    SET_ASIDE_PREFIX,
    HighWaterMark,
    LedgerDamage,
    LedgerReading,
    default_mark_path,
    read_forwarded,
    read_ledger,
)
from sync.outbox import Syscalls

__all__ = ["LEDGER_FILE", "Ledger", "LedgerDamage", "LedgerError", "LedgerForwarder",
           "LedgerReading", "read_ledger", "verify_ledger"]

log = logging.getLogger(__name__)

TORN_FILE = "ledger.torn"


class LedgerError(SealError, OSError):
    """The ledger could not be written: the seal must not move."""


def verify_ledger(directory: Path, *, mark_path: Path | None = None) -> LedgerReading:
    """The ledger in *directory* checked against its marks (the high-water
    mark beside the directory unless *mark_path* says otherwise)."""
    directory = Path(directory)
    return read_ledger(directory / LEDGER_FILE,
                       mark_path=mark_path or default_mark_path(directory),
                       forwarded_path=directory / FORWARDED_FILE)


def set_aside_files(directory: Path) -> list[Path]:
    """Ledger files set aside after damage, oldest first."""
    def number(path: Path) -> int:
        try:
            return int(path.stem.removeprefix(SET_ASIDE_PREFIX))
        except ValueError:
            return 0

    return sorted(Path(directory).glob(SET_ASIDE_GLOB), key=number)


class Ledger:
    def __init__(
        self,
        directory: Path,
        clock: Callable[[], float],
        *,
        mark_path: Path | None = None,
        syscalls: Syscalls | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LEDGER_FILE
        self.mark_path = mark_path or default_mark_path(self.directory)
        self.clock = clock
        self._sys = syscalls or Syscalls()
        self._fd = -1
        #: Why nothing can be appended now (the card failed); None when it can.
        self.unwritable: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.unwritable = f"cannot make {self.directory}: {error}"
        reading = read_ledger(self.path, mark_path=self.mark_path,
                              forwarded_path=self.directory / FORWARDED_FILE)
        self.reading = reading
        self.damage: LedgerDamage | None = reading.damage
        if reading.damage is not None:
            log.error("ledger %s is damaged: %s", self.path, reading.damage.describe())
        elif reading.torn_bytes:
            self._cut_torn_tail(reading.torn_bytes)
        self.records: list[dict[str, Any]] = list(reading.records)
        #: Records of a segment set aside after damage that verified but had
        #: not reached the outbox: forwarded before the new segment's.
        self.carried: list[dict[str, Any]] = []
        last = self.records[-1] if self.records else None
        self.head_seq = int(last["seq"]) if last else 0
        self.head_hash = str(last["hash"]) if last else GENESIS
        if self.unwritable is None:
            self._open()

    def _open(self) -> None:
        try:
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                fsync_directory(self.directory)
        except OSError as error:
            self.unwritable = f"cannot open {self.path} for writing: {error.strerror or error}"
            log.error("ledger: %s", self.unwritable)

    def _cut_torn_tail(self, torn: int) -> None:
        try:
            size = self.path.stat().st_size
            keep = size - torn
            with self.path.open("rb") as source:
                source.seek(keep)
                (self.directory / TORN_FILE).write_bytes(source.read())
            os.truncate(self.path, keep)
        except OSError as error:
            self.unwritable = f"cannot cut the torn last write off {self.path}: {error}"
            log.error("ledger: %s", self.unwritable)
            return
        log.warning("ledger: cut off %d bytes of a write torn by a power cut", torn)

    # -- appending ---------------------------------------------------------------

    def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Write one record durably, then the high-water mark; returns the
        record (with seq, prev and hash). Raises LedgerError if the record is
        not on disk, or is but its mark could not be written."""
        if self.damage is not None:
            raise LedgerError(f"the ledger {self.path} is damaged ({self.damage.describe()}): "
                              "nothing is appended until it is set aside")
        return self._append(kind, self.head_seq + 1, self.head_hash, fields)

    def _append(self, kind: str, seq: int, prev: str, fields: dict[str, Any]) -> dict[str, Any]:
        if self.unwritable is not None:
            raise LedgerError(f"the seal ledger cannot be written: {self.unwritable}")
        payload: dict[str, Any] = {"seq": seq, "prev": prev, "at": round(self.clock(), 3),
                                   "kind": kind, **fields}
        payload["hash"] = record_hash(payload)
        data = frame(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        start = os.fstat(self._fd).st_size
        try:
            if self._sys.write(self._fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write: the disk is full")
            self._sys.fsync(self._fd)
        except OSError as error:
            self._take_back(start)
            raise LedgerError(f"cannot write the seal ledger {self.path}: "
                              f"{error.strerror or error}") from error
        self.records.append(payload)
        self.head_seq, self.head_hash = seq, payload["hash"]
        try:
            atomic_write(self.mark_path, json.dumps({"seq": seq, "hash": payload["hash"]})
                         .encode())
        except OSError as error:
            raise LedgerError(f"record {seq} is in the ledger, but its high-water mark "
                              f"{self.mark_path} cannot be written: {error}") from error
        return payload

    def _take_back(self, size: int) -> None:
        """A record that did not reach the disk whole is cut off again."""
        try:
            os.ftruncate(self._fd, size)
            os.fsync(self._fd)
        except OSError as error:
            self.unwritable = (f"a failed write could not be taken back ({error}); restart the "
                               "station once the SD card works")
            log.error("ledger: %s", self.unwritable)

    # -- after damage --------------------------------------------------------------

    def start_segment(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Set the damaged file aside and begin a new one with a *kind* record
        that goes on from the newest record known (the mark or the last record
        that verified). Returns the record, which names the file set aside."""
        damage = self.damage
        head = HighWaterMark(self.head_seq, self.head_hash)
        known = [mark for mark in (self.reading.newest, head) if mark is not None and mark.seq > 0]
        newest = max(known, key=lambda mark: mark.seq, default=None)
        forwarded = max(self.reading.forwarded, read_forwarded(self.directory / FORWARDED_FILE))
        seq = max(newest.seq if newest else 0, forwarded) + 1
        prev = newest.hash if newest is not None and newest.seq == seq - 1 else GENESIS
        aside = self._set_aside()
        if aside is not None:
            fields.update(set_aside=aside[0], set_aside_sha256=aside[1], set_aside_bytes=aside[2])
        if damage is not None:
            fields.update(first_bad_seq=damage.first_bad_seq, problem=damage.describe())
        fields.update(continues_after=seq - 1)
        if self.unwritable is None and self._fd < 0:
            self._open()
        record = self._append(kind, seq, prev, fields)
        self.damage = None
        # Records that verified before the damage but have not reached the
        # outbox yet still go to the county, before the new segment's.
        self.carried = [r for r in self.records if r["seq"] > forwarded] + self.carried
        self.carried.sort(key=lambda r: int(r["seq"]))
        self.records = [record]
        return record

    def _set_aside(self) -> tuple[str, str, int] | None:
        if not self.path.exists():
            return None
        try:
            data = self.path.read_bytes()
            existing = set_aside_files(self.directory)
            number = int(existing[-1].stem.removeprefix(SET_ASIDE_PREFIX)) + 1 if existing else 1
            target = self.directory / f"{SET_ASIDE_PREFIX}{number}.log"
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
            os.replace(self.path, target)
            fsync_directory(self.directory)
        except (OSError, ValueError) as error:
            self.unwritable = f"cannot set the damaged ledger aside: {error}"
            raise LedgerError(self.unwritable) from error
        log.error("ledger: damaged file set aside as %s", target)
        return target.name, hashlib.sha256(data).hexdigest(), len(data)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class LedgerForwarder:
    """Copies ledger records into the outbox (stream ``seal.ledger``), at least
    once: a record sent twice is the same record, which the county's chain
    check takes once."""

    def __init__(self, ledger: Ledger, append: Callable[[str, dict[str, Any]], object]) -> None:
        self.ledger = ledger
        self.append = append
        self.marker = ledger.directory / FORWARDED_FILE

    def forwarded_seq(self) -> int:
        try:
            return int(self.marker.read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def forward(self) -> int:
        """Send every record not yet handed to the outbox; how many were sent.
        An outbox error propagates after the marker records what did go."""
        start = done = self.forwarded_seq()
        try:
            for record in [*self.ledger.carried, *self.ledger.records]:
                if record["seq"] > done:
                    self.append("seal.ledger", record)
                    done = record["seq"]
        finally:
            self.ledger.carried = [r for r in self.ledger.carried if r["seq"] > done]
            if done != start:
                atomic_write(self.marker, f"{done}\n".encode())
        return done - start
