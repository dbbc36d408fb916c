"""An event batch as a device uploads it: decoded (gzip or not, never more
than :data:`~county.protocol.MAX_BATCH_BYTES`), parsed and checked event by
event, so a bad batch is refused whole with the index of its first bad event.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

from county.protocol import (
    EVENT_ID,
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    STREAM_NAME,
    mib,
)
from county.rejection import Rejected, malformed

EVENT_FIELDS = ("id", "stream", "created", "payload")


@dataclass(frozen=True)
class Event:
    id: str
    stream: str
    created: float
    payload: dict[str, Any]


def too_large(detail: str) -> Rejected:
    return Rejected(413, "too_large", detail)


def batch_too_large() -> Rejected:
    return too_large(
        f"a batch may hold at most {mib(MAX_BATCH_BYTES)} of JSON (decompressed) and "
        f"{MAX_EVENTS_PER_BATCH} events; send smaller batches"
    )


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """The JSON bytes of a batch, inflated if gzip; 413 past the size limit."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        data = body
    elif encoding == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(body, MAX_BATCH_BYTES + 1)
        except zlib.error as error:
            raise malformed(f"the body is not valid gzip ({error})") from None
        if len(data) > MAX_BATCH_BYTES:
            raise batch_too_large()
        if not inflater.eof or inflater.unused_data:
            raise malformed("the gzip body is truncated or has bytes after its end")
    else:
        raise Rejected(415, "unsupported_encoding",
                       f"Content-Encoding {content_encoding!r} is not supported; send gzip or none")
    if len(data) > MAX_BATCH_BYTES:
        raise batch_too_large()
    return data


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _event_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "is not a JSON object"
    if set(item) != set(EVENT_FIELDS):
        return f"must have exactly the fields {list(EVENT_FIELDS)}, found {sorted(item)}"
    if not isinstance(item["id"], str) or not EVENT_ID.fullmatch(item["id"]):
        return "id must be 1 to 64 characters of 0-9 A-Z a-z _ -"
    if not isinstance(item["stream"], str) or not STREAM_NAME.fullmatch(item["stream"]):
        return "stream must be 1 to 64 characters of A-Z a-z 0-9 . _ - (not starting with . _ -)"
    created = item["created"]
    if isinstance(created, bool) or not isinstance(created, int | float) or not math.isfinite(
        created
    ):
        return "created must be a number (seconds since 1970)"
    if not isinstance(item["payload"], dict):
        return "payload must be a JSON object"
    return None


def parse_batch(data: bytes) -> list[Event]:
    """The events of a batch, or :class:`Rejected` (400, 413) saying what is wrong."""
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as error:
        raise malformed(f"the body is not UTF-8 JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise malformed('the body must be a JSON object {"events": [...]}')
    items = document["events"]
    if len(items) > MAX_EVENTS_PER_BATCH:
        raise too_large(
            f"a batch may hold at most {MAX_EVENTS_PER_BATCH} events, this one has {len(items)}; "
            "send smaller batches"
        )
    events = []
    for index, item in enumerate(items):
        problem = _event_problem(item)
        if problem is not None:
            raise malformed(f"event {index} {problem}", index=index)
        events.append(Event(item["id"], item["stream"], float(item["created"]), item["payload"]))
    return events
