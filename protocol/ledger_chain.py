"""The hash chain of a seal station's ledger: the rule both the station and the
county check.

Each record's payload has ``seq`` (1, 2, 3, ...), ``prev`` (the ``hash`` of
record ``seq - 1``; 64 zeros for record 1) and ``hash`` =
``sha256(canonical_json(payload without "hash")).hexdigest()``, where
``canonical_json`` is RFC 8785 (:mod:`protocol.canonical`), so a third party
recomputes it in any language. A missing record, an edited record or a
record spliced in from elsewhere breaks the chain at the first record that
no longer fits.

Stations written before the canonical form was fixed hashed Python's
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
instead; it differs from RFC 8785 only for some numbers (``1.0``, ``1e-07``)
and keys beyond U+FFFF. A record whose hash matches that older form
(:func:`legacy_record_hash`) still fits, so those ledgers keep verifying;
every new record is hashed over RFC 8785.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.canonical import CanonicalFormError, canonical_json

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
    """The hash a ledger record must carry; :class:`~protocol.canonical.CanonicalFormError`
    if a value has no RFC 8785 form (the station then refuses to write it)."""
    return hashlib.sha256(
        canonical_json({k: v for k, v in payload.items() if k != "hash"})
    ).hexdigest()


def legacy_record_hash(payload: Mapping[str, Any]) -> str:
    """The hash as stations computed it before RFC 8785 (see the module's note)."""
    rest = {k: v for k, v in payload.items() if k != "hash"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _hash_fits(record: Mapping[str, Any]) -> bool:
    try:
        if record["hash"] == record_hash(record):
            return True
    except CanonicalFormError:
        pass
    try:
        return bool(record["hash"] == legacy_record_hash(record))
    except ValueError:  # NaN and such: no form at all
        return False


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
        if not _hash_fits(record):
            return ChainReport(False, count, seq, f"record {seq} was altered (hash mismatch)")
        if record["prev"] != expected_prev:
            follows = "the start (64 zeros)" if expected_prev == GENESIS else f"record {seq - 1}"
            return ChainReport(
                False, count, seq, f"record {seq} does not follow {follows} (prev mismatch)"
            )
        expected_seq, expected_prev, previous = seq + 1, record["hash"], record
        count += 1
    return ChainReport(True, count)
