"""The framing of records in the outbox's append-only files.

Each record is ``MAGIC | length | crc32 | body``: four magic bytes, the body's
length and CRC-32 as little-endian 32-bit numbers, then the body. A reader
walks records one after another; where a header or checksum is wrong (a write
torn by a power cut, a flipped bit on the SD card) it reports the bad bytes
and resynchronises at the next offset where a whole, valid record starts.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from durable.errors import RecordTooLarge

MAGIC = b"VEr1"
HEADER = struct.Struct("<4sII")
HEADER_SIZE = HEADER.size
MAX_BODY = 16 * 1024 * 1024


def frame(body: bytes) -> bytes:
    """One record, ready to be written with a single write()."""
    if len(body) > MAX_BODY:
        raise RecordTooLarge(
            f"a record body is at most {MAX_BODY} bytes, this one is {len(body)}"
        )
    return HEADER.pack(MAGIC, len(body), zlib.crc32(body)) + body


@dataclass(frozen=True)
class Record:
    offset: int
    size: int  # header included
    body: bytes


@dataclass(frozen=True)
class BadBytes:
    offset: int
    data: bytes
    at_end: bool  # nothing valid follows: a torn last write


def _valid_at(data: bytes | memoryview, offset: int) -> int | None:
    """The size of a whole valid record at *offset*, or None."""
    if len(data) - offset < HEADER_SIZE:
        return None
    magic, length, crc = HEADER.unpack_from(data, offset)
    length = int(length)
    if magic != MAGIC or length > MAX_BODY:
        return None
    end = offset + HEADER_SIZE + length
    if end > len(data):
        return None
    if zlib.crc32(data[offset + HEADER_SIZE:end]) != crc:
        return None
    return HEADER_SIZE + length


def scan(data: bytes, base: int = 0) -> Iterator[Record | BadBytes]:
    """Every record and every run of bad bytes in *data*, in order. Offsets
    are reported as ``base + position``."""
    position = 0
    view = memoryview(data)
    while position < len(data):
        size = _valid_at(view, position)
        if size is not None:
            body = bytes(view[position + HEADER_SIZE:position + size])
            yield Record(base + position, size, body)
            position += size
            continue
        start = position
        position = data.find(MAGIC, position + 1)
        while position != -1 and _valid_at(view, position) is None:
            position = data.find(MAGIC, position + 1)
        if position == -1:
            yield BadBytes(base + start, bytes(view[start:]), at_end=True)
            return
        yield BadBytes(base + start, bytes(view[start:position]), at_end=False)
