"""An event batch as a device uploads it: decoded (gzip or not, never more
than :data:`~protocol.api.MAX_BATCH_BYTES`), parsed and checked event by
event, so a bad batch is refused whole with the index of its first bad event.
"""

from __future__ import annotations

import zlib

from county.inputs import json_body, unsupported_encoding
from county.rejection import Rejected, malformed
from county.report_codes import report_problem
from protocol.api import (
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_BATCH,
    mib,
)
from protocol.events import Event, event_problem
from protocol.wire_json import RepeatedKeys, value_problem


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
        raise unsupported_encoding(content_encoding or "")
    if len(data) > MAX_BATCH_BYTES:
        raise batch_too_large()
    return data


def parse_batch(data: bytes) -> list[Event]:
    """The events of a batch, or :class:`Rejected` (400, 413) saying what is
    wrong. A bad value inside one event is that event's problem (400 with its
    ``index``), so the device can set that one aside and send the rest."""
    document = json_body(data)
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise malformed('the body must be a JSON object {"events": [...]}')
    rest = {name: value for name, value in document.items() if name != "events"}
    problem = value_problem(document if isinstance(document, RepeatedKeys) else rest)
    if problem is not None:
        raise malformed(f"the body cannot be taken: {problem}")
    items = document["events"]
    if len(items) > MAX_EVENTS_PER_BATCH:
        raise too_large(
            f"a batch may hold at most {MAX_EVENTS_PER_BATCH} events, this one has {len(items)}; "
            "send smaller batches"
        )
    events = []
    for index, item in enumerate(items):
        problem = event_problem(item) or report_problem(item["stream"], item["payload"])
        if problem is not None:
            raise malformed(f"event {index} {problem}", index=index)
        events.append(Event.from_wire(item))
    return events
