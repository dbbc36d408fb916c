"""What is wrong with a seal ledger on disk, if anything.

A ledger file is a run of framed records (:mod:`durable.records`), each a JSON
payload chained by hash (:mod:`protocol.ledger_chain`). Reading it tells two
things apart:

- a **torn write**: the append that never returned, cut short by a power cut.
  Its bytes are at the very end and are the start of a frame: a partial
  header that begins like the record magic, or a whole header whose declared
  length runs past the end of the file. Harmless: the ledger is written
  before any actuator moves, so nothing happened that it should have held.
- **damage**: everything else. A finished record that no longer verifies (bad
  CRC, not JSON, hash mismatch, a ``prev`` or ``seq`` that does not follow),
  bytes that are not a record, and records missing: fewer than the
  forwarding mark (``forwarded``: records handed to the outbox) or the
  high-water mark (``ledger-mark``, beside the ledger directory: ``seq`` and
  ``hash`` of the last record, written after every append returns) show were
  written, or a record at the mark's ``seq`` with another hash. A power cut
  between an append and its mark leaves the ledger one record ahead of the
  mark, which is fine; behind it is damage. Garbage is never a torn write.

A ledger file may start with an ``alarm_ledger_damaged`` record, not record 1:
the station set a damaged file aside and began a new segment there, going on
from the newest record it knew of (:mod:`seal_controller.ledger`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable.records import HEADER, HEADER_SIZE, MAGIC, MAX_BODY
from protocol.ledger_chain import GENESIS, check_chain
from seal_controller.procedure import DAMAGE_FOUND

LEDGER_FILE = "ledger.log"
FORWARDED_FILE = "forwarded"
MARK_FILE = "ledger-mark"  # beside the ledger directory, not in it
SET_ASIDE_PREFIX = "damaged-"
SET_ASIDE_GLOB = f"{SET_ASIDE_PREFIX}*.log"


def default_mark_path(directory: Path) -> Path:
    """Where the high-water mark of the ledger in *directory* is kept (the
    device's state directory keeps it there too: ``DeviceState.ledger_mark``)."""
    return Path(directory).parent / MARK_FILE


@dataclass(frozen=True)
class HighWaterMark:
    seq: int
    hash: str


@dataclass(frozen=True)
class LedgerDamage:
    """The first thing wrong with a ledger: what, and the first record it
    touches (None when no record can be named)."""

    kind: str  # bad_record, not_a_record, chain, missing, mark_mismatch, unreadable
    first_bad_seq: int | None
    detail: str

    def describe(self) -> str:
        where = f"record {self.first_bad_seq}" if self.first_bad_seq is not None else "the ledger"
        return f"{where}: {self.detail}"


@dataclass(frozen=True)
class LedgerReading:
    records: list[dict[str, Any]]  # the records that verify, up to the first damage
    torn_bytes: int  # a torn last write at the end (0: none)
    damage: LedgerDamage | None
    mark: HighWaterMark | None = None
    forwarded: int = 0

    @property
    def damaged(self) -> list[str]:
        return [self.damage.describe()] if self.damage is not None else []

    @property
    def newest(self) -> HighWaterMark | None:
        """The newest record known to have been written: the last that
        verifies or the mark, whichever is further."""
        last = self.records[-1] if self.records else None
        known = HighWaterMark(int(last["seq"]), str(last["hash"])) if last else None
        if self.mark is not None and (known is None or self.mark.seq > known.seq):
            return self.mark
        return known


def read_mark(path: Path | None) -> HighWaterMark | None:
    """The high-water mark; None if there is none yet. Raises ValueError for a
    mark that cannot be read (itself damage)."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        mark = HighWaterMark(int(data["seq"]), str(data["hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"the high-water mark {path} cannot be read: {error}") from None
    if mark.seq < 0:
        raise ValueError(f"the high-water mark {path} holds seq {mark.seq}")
    return mark


def read_forwarded(path: Path) -> int:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return 0


def _is_torn_frame(tail: bytes) -> bool:
    """Whether *tail* (everything from some offset to the end of the file) is
    the beginning of one frame that was never finished."""
    if len(tail) < len(MAGIC):
        return MAGIC.startswith(tail)
    if not tail.startswith(MAGIC):
        return False
    if len(tail) < HEADER_SIZE:
        return True
    _, length, _ = HEADER.unpack_from(tail, 0)
    return int(length) <= MAX_BODY and HEADER_SIZE + int(length) > len(tail)


def scan_strictly(data: bytes) -> tuple[list[dict[str, Any]], int, tuple[str, str] | None]:
    """(payloads in order, torn bytes at the end, (kind, problem) of the
    first frame that is not a whole valid record: ``not_a_record`` or
    ``bad_record``)."""
    payloads: list[dict[str, Any]] = []
    position = 0
    while position < len(data):
        tail = data[position:]
        if _is_torn_frame(tail):
            return payloads, len(tail), None
        if len(tail) < HEADER_SIZE:
            return payloads, 0, ("not_a_record", f"{len(tail)} bytes at offset {position} "
                                                  "are not a record")
        magic, length, crc = HEADER.unpack_from(data, position)
        if magic != MAGIC or int(length) > MAX_BODY:
            return payloads, 0, ("not_a_record",
                                 f"the bytes at offset {position} are not a record")
        end = position + HEADER_SIZE + int(length)
        body = data[position + HEADER_SIZE:end]
        if zlib.crc32(body) != crc:
            return payloads, 0, ("bad_record", f"the record at offset {position} fails its "
                                                "checksum (changed on the card)")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return payloads, 0, ("bad_record", f"the record at offset {position} is not a "
                                                "JSON object")
        payloads.append(payload)
        position = end
    return payloads, 0, None


def segment_start(payloads: list[dict[str, Any]]) -> tuple[int, str]:
    """Where the chain of this file starts: record 1 after the genesis hash,
    or, for a segment begun after damage, its first record's own place."""
    first = payloads[0] if payloads else None
    if first is not None and first.get("kind") in DAMAGE_FOUND:
        seq, prev = first.get("seq"), first.get("prev")
        if isinstance(seq, int) and not isinstance(seq, bool) and isinstance(prev, str):
            return seq, prev
    return 1, GENESIS


def _expected_seq(verified: list[dict[str, Any]], start: tuple[int, str]) -> int:
    return int(verified[-1]["seq"]) + 1 if verified else start[0]


def read_ledger(
    path: Path, *, mark_path: Path | None = None, forwarded_path: Path | None = None
) -> LedgerReading:
    """Read and check the ledger file at *path* against its marks."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError as error:
        return LedgerReading([], 0, LedgerDamage("unreadable", None,
                                                 f"the ledger cannot be read: {error}"))
    forwarded = read_forwarded(forwarded_path) if forwarded_path is not None else 0
    try:
        mark = read_mark(mark_path)
    except ValueError as error:
        return LedgerReading([], 0, LedgerDamage("mark_mismatch", None, str(error)),
                             None, forwarded)
    payloads, torn, framing = scan_strictly(data)
    start = segment_start(payloads)
    in_order = 0
    while in_order < len(payloads) and payloads[in_order].get("seq") == start[0] + in_order:
        in_order += 1
    report = check_chain(payloads[:in_order], start=start)
    verified = payloads[:report.records]
    damage: LedgerDamage | None = None
    if not report.ok:
        damage = LedgerDamage("chain", report.first_bad_seq, str(report.problem))
    elif in_order < len(payloads):
        expected = start[0] + in_order
        damage = LedgerDamage("chain", expected,
                              f"record {expected} is missing or out of place (found seq "
                              f"{payloads[in_order].get('seq')!r} where it should be)")
    elif framing is not None:
        kind, problem = framing
        damage = LedgerDamage(kind, _expected_seq(verified, start), problem)
    if damage is None:
        damage = _against_marks(verified, start, mark, forwarded)
    if damage is None and start == (1, GENESIS) and any(path.parent.glob(SET_ASIDE_GLOB)):
        damage = LedgerDamage("missing", 1, "a damaged ledger was set aside, but the ledger "
                                            "does not begin with the record of it")
    return LedgerReading(verified, torn if damage is None else 0, damage, mark, forwarded)


def _against_marks(verified: list[dict[str, Any]], start: tuple[int, str],
                   mark: HighWaterMark | None, forwarded: int) -> LedgerDamage | None:
    last_seq = int(verified[-1]["seq"]) if verified else start[0] - 1
    by_seq: Mapping[int, dict[str, Any]] = {int(r["seq"]): r for r in verified}
    if mark is not None and mark.seq > last_seq:
        return LedgerDamage("missing", last_seq + 1,
                            f"records {last_seq + 1} to {mark.seq} are missing: the high-water "
                            f"mark shows {mark.seq} were written")
    if mark is not None and mark.seq in by_seq and by_seq[mark.seq]["hash"] != mark.hash:
        return LedgerDamage("mark_mismatch", mark.seq,
                            f"record {mark.seq} is not the one written (its hash differs from "
                            "the high-water mark)")
    if forwarded > last_seq:
        return LedgerDamage("missing", last_seq + 1,
                            f"records {last_seq + 1} to {forwarded} are missing: the forwarding "
                            f"mark shows {forwarded} were written and sent")
    return None
