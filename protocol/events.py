"""The event as it travels from a device to the county: ``{"id", "stream",
"created", "payload"}``, exactly these four fields. A device keeps it in its
outbox until the county confirms it; the county checks each one it receives
with :func:`event_problem`, a device before it sends one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from protocol.api import EVENT_ID, STREAM_NAME
from protocol.event_blobs import blobs_problem
from protocol.wire_json import RepeatedKeys, value_problem

EVENT_FIELDS = ("id", "stream", "created", "payload")
LAST_CREATED = 253402300799  # 9999-12-31 23:59:59 UTC, in seconds since 1970
MAX_PAYLOAD_DEPTH = 32  # objects and arrays within a payload: a batch of them stays well
#                         within protocol.wire_json.MAX_JSON_DEPTH


@dataclass(frozen=True)
class Event:
    id: str
    stream: str
    created: float  # seconds since 1970, as the device's clock read them
    payload: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"id": self.id, "stream": self.stream, "created": self.created,
                "payload": self.payload}

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> Event:
        """The event in *item*, which :func:`event_problem` found nothing wrong with."""
        return cls(item["id"], item["stream"], float(item["created"]), item["payload"])


def event_problem(item: Any) -> str | None:
    """What is wrong with *item* as a wire event, or None."""
    if not isinstance(item, dict):
        return "is not a JSON object"
    if isinstance(item, RepeatedKeys):
        return f"names the field {item.repeated[0]!r} more than once"
    if set(item) != set(EVENT_FIELDS):
        found = [key[:40] for key in sorted(item)[:8]]
        return f"must have exactly the fields {list(EVENT_FIELDS)}, found {found}"
    if not isinstance(item["id"], str) or not EVENT_ID.fullmatch(item["id"]):
        return "id must be 1 to 64 characters of 0-9 A-Z a-z _ -"
    if not isinstance(item["stream"], str) or not STREAM_NAME.fullmatch(item["stream"]):
        return "stream must be 1 to 64 characters of A-Z a-z 0-9 . _ - (not starting with . _ -)"
    created = item["created"]
    if (isinstance(created, bool) or not isinstance(created, int | float)
            or not math.isfinite(created) or not 0 <= created <= LAST_CREATED):
        return (f"created must be a number of seconds since 1970, from 0 to {LAST_CREATED} "
                "(the end of the year 9999)")
    if not isinstance(item["payload"], dict):
        return "payload must be a JSON object"
    return value_problem(item["payload"], "payload", MAX_PAYLOAD_DEPTH) \
        or blobs_problem(item["payload"])
