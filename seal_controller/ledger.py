"""The station's ledger: every transition of the seal, hash-chained, on disk
before the actuator moves.

Records are framed like the outbox's (:mod:`durable.records`) in one append-only
file; each append is fsync'd before it returns. Each record carries ``seq``,
``prev`` (the hash of the record before), ``at``, ``kind`` and the record's
own ``hash`` (:mod:`protocol.ledger_chain`). A write torn by a power cut is
the append that never returned: it is cut off on start (its bytes kept in
``ledger.torn``), and the chain goes on from the last whole record.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable.atomic import atomic_write, fsync_directory
from durable.records import BadBytes, frame, scan
from protocol.ledger_chain import GENESIS, ChainReport, check_chain, record_hash
from seal_controller.errors import SealError

log = logging.getLogger(__name__)

LEDGER_FILE = "ledger.log"


class LedgerError(SealError, OSError):
    """The ledger could not be written: the seal must not move."""


@dataclass(frozen=True)
class LedgerReading:
    records: list[dict[str, Any]]
    torn_bytes: int
    damaged: list[str]  # descriptions of bad bytes found before the end


def read_ledger(path: Path) -> LedgerReading:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LedgerReading([], 0, [])
    records, torn, damaged = [], 0, []
    for item in scan(data):
        if isinstance(item, BadBytes):
            if item.at_end:
                torn = len(item.data)
            else:
                damaged.append(f"{len(item.data)} bad bytes at offset {item.offset}")
            continue
        try:
            records.append(json.loads(item.body))
        except ValueError:
            damaged.append(f"a record that is not JSON at offset {item.offset}")
    return LedgerReading(records, torn, damaged)


def verify_ledger(directory: Path) -> tuple[ChainReport, LedgerReading]:
    reading = read_ledger(directory / LEDGER_FILE)
    return check_chain(reading.records), reading


class Ledger:
    def __init__(self, directory: Path, clock: Callable[[], float]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / LEDGER_FILE
        self.clock = clock
        reading = read_ledger(self.path)
        if reading.torn_bytes:
            self._cut_torn_tail(reading.torn_bytes)
        if reading.damaged:
            log.error("ledger %s is damaged: %s", self.path, "; ".join(reading.damaged))
        self.damaged = reading.damaged
        self.records: list[dict[str, Any]] = reading.records
        last = self.records[-1] if self.records else None
        self.head_seq = int(last["seq"]) if last else 0
        self.head_hash = str(last["hash"]) if last else GENESIS
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not last:
            fsync_directory(self.directory)

    def _cut_torn_tail(self, torn: int) -> None:
        size = self.path.stat().st_size
        keep = size - torn
        with self.path.open("rb") as source:
            source.seek(keep)
            (self.directory / "ledger.torn").write_bytes(source.read())
        os.truncate(self.path, keep)
        log.warning("ledger: cut off %d bytes of a write torn by a power cut", torn)

    def append(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Write one record durably; returns it (with seq, prev and hash)."""
        payload: dict[str, Any] = {
            "seq": self.head_seq + 1, "prev": self.head_hash, "at": round(self.clock(), 3),
            "kind": kind, **fields,
        }
        payload["hash"] = record_hash(payload)
        data = frame(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
        try:
            if os.write(self._fd, data) != len(data):
                raise OSError("short write: the disk is full")
            os.fsync(self._fd)
        except OSError as error:
            raise LedgerError(f"cannot write the seal ledger {self.path}: {error}") from error
        self.records.append(payload)
        self.head_seq, self.head_hash = payload["seq"], payload["hash"]
        return payload

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
        self.marker = ledger.directory / "forwarded"

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
            for record in self.ledger.records:
                if record["seq"] > done:
                    self.append("seal.ledger", record)
                    done = record["seq"]
        finally:
            if done != start:
                atomic_write(self.marker, f"{done}\n".encode())
        return done - start
