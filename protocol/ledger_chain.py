"""The hash chain of a seal station's ledger: the rule both the station and the
county check.

Each record's payload has ``seq`` (1, 2, 3, ...), ``prev`` (the ``hash`` of
record ``seq - 1``; 64 zeros for record 1) and ``hash`` =
``sha256(canonical_json(payload without "hash")).hexdigest()``. A missing
record, an edited record or a record spliced in from elsewhere breaks the
chain at the first record that no longer fits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.signing import canonical_json

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records,
                "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def record_hash(payload: Mapping[str, Any]) -> str:
    """The hash a ledger record must carry."""
    return hashlib.sha256(
        canonical_json({k: v for k, v in payload.items() if k != "hash"})
    ).hexdigest()


def _is_hex64(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value
    )


def check_chain(payloads: Iterable[Any], *, start: tuple[int, str] = (1, GENESIS)) -> ChainReport:
    """Verify the chain of *payloads* (in any order: they are sorted by ``seq``).

    An exact copy of a record (sent twice) is ignored; two different records
    with the same ``seq`` break the chain there. *start* is the ``seq`` and
    ``prev`` of the first record: a part of a ledger can be checked on its own.
    """
    records: list[Mapping[str, Any]] = []
    for index, payload in enumerate(payloads):
        seq = payload.get("seq") if isinstance(payload, Mapping) else None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            return ChainReport(False, index, None, f"record #{index + 1} has no seq of 1 or more")
        records.append(payload)
    records.sort(key=lambda record: record["seq"])

    expected_seq, expected_prev = start
    count = 0
    previous: Mapping[str, Any] | None = None
    for record in records:
        seq = record["seq"]
        if previous is not None and seq == previous["seq"]:
            if record == previous:
                continue
            return ChainReport(False, count, seq, f"two different records with seq {seq}")
        if seq != expected_seq:
            return ChainReport(
                False, count, expected_seq,
                f"records {expected_seq} to {seq - 1} are missing (gap before seq {seq})",
            )
        if not (_is_hex64(record.get("prev")) and _is_hex64(record.get("hash"))):
            return ChainReport(False, count, seq, f"record {seq} lacks a sha256 prev or hash")
        if record["hash"] != record_hash(record):
            return ChainReport(False, count, seq, f"record {seq} was altered (hash mismatch)")
        if record["prev"] != expected_prev:
            follows = "the start (64 zeros)" if expected_prev == GENESIS else f"record {seq - 1}"
            return ChainReport(
                False, count, seq, f"record {seq} does not follow {follows} (prev mismatch)"
            )
        expected_seq, expected_prev, previous = seq + 1, record["hash"], record
        count += 1
    return ChainReport(True, count)
