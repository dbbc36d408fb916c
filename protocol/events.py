"""The event as it travels from a device to the county: ``{"id", "stream",
"created", "payload"}``, exactly these four fields. A device keeps it in its
outbox until the county confirms it; the county checks each one it receives
with :func:`event_problem`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from protocol.api import EVENT_ID, STREAM_NAME

EVENT_FIELDS = ("id", "stream", "created", "payload")


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
