"""Damage done to a ledger on disk on purpose, for rehearsals and tests: each
way a card or a hand can spoil it (``seal simulate``'s ``damage-ledger``
step, and the property tests).

- ``torn``: half a record appended, as a power cut during an append leaves
  it (harmless: the only kind that is not damage);
- ``flip``: one bit flipped in a finished record;
- ``cut``: the file cut back at a record boundary, that record and every one
  after it gone;
- ``garbage``: bytes that are not a record appended;
- ``edit``: a record rewritten with an edited field and a valid checksum, as
  a forger would.

By default the record touched is the last ``approved`` one (the record whose
loss would give an approval back), else the last record.
"""

from __future__ import annotations

import json
from pathlib import Path

from durable.records import HEADER_SIZE, frame
from seal_controller.ledger_check import LEDGER_FILE, scan_strictly

DAMAGE_KINDS = ("torn", "flip", "cut", "garbage", "edit")
GARBAGE = b"\x00\x13not a ledger record, just bytes on a card\xff\xfe"


def _frames(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of each whole record from the start."""
    frames, position = [], 0
    while position + HEADER_SIZE <= len(data):
        length = int.from_bytes(data[position + 4:position + 8], "little")
        end = position + HEADER_SIZE + length
        if end > len(data):
            break
        frames.append((position, end - position))
        position = end
    return frames


def damage_ledger(directory: Path, kind: str, seq: int | None = None) -> str:
    """Spoil the ledger in *directory* the *kind* way; what was done."""
    if kind not in DAMAGE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DAMAGE_KINDS)}, not {kind!r}")
    path = Path(directory) / LEDGER_FILE
    data = path.read_bytes() if path.exists() else b""
    if kind == "torn":
        whole = frame(json.dumps({"seq": 0, "kind": "never finished"}).encode())
        path.write_bytes(data + whole[:HEADER_SIZE + 5])
        return "half a record appended (a torn write)"
    if kind == "garbage":
        path.write_bytes(data + GARBAGE)
        return f"{len(GARBAGE)} bytes that are not a record appended"
    payloads, _, _ = scan_strictly(data)
    frames = _frames(data)[:len(payloads)]
    if not frames:
        raise ValueError("the ledger holds no record to damage")
    index = _index(payloads, seq)
    offset, size = frames[index]
    target = payloads[index]["seq"]
    if kind == "cut":
        path.write_bytes(data[:offset])
        return f"cut back before record {target} ({len(frames) - index} records gone)"
    if kind == "flip":
        spoilt = bytearray(data)
        spoilt[offset + HEADER_SIZE + size // 3] ^= 0x04
        path.write_bytes(bytes(spoilt))
        return f"one bit flipped in record {target}"
    edited = dict(payloads[index])
    edited["kind"] = "cancelled" if edited.get("kind") != "cancelled" else "ended"
    body = frame(json.dumps(edited, ensure_ascii=False, separators=(",", ":")).encode())
    path.write_bytes(data[:offset] + body + data[offset + size:])
    return f"record {target} rewritten as {edited['kind']!r} with a valid checksum"


def _index(payloads: list[dict[str, object]], seq: int | None) -> int:
    if seq is not None:
        for index, payload in enumerate(payloads):
            if payload.get("seq") == seq:
                return index
        raise ValueError(f"the ledger holds no record {seq}")
    approved = [i for i, p in enumerate(payloads) if p.get("kind") == "approved"]
    return approved[-1] if approved else len(payloads) - 1
