"""The seal requests stations filed, as the county received them.

A request is identified by (station, request id): the same id sent by two
stations is two requests, and nothing a device supplies (its clock) decides
which is meant. Only a device enrolled as a seal station (role ``seal`` or
``all``) files one: a ``seal.request`` event from any other device is kept
with the events, but is never listed nor approvable; it is counted per device
for the supervisor. So is a request that cannot be one (fields missing, an
id that is not one, more stamps than an approval can ever allow
(:data:`protocol.approval_token.MAX_USES`), a matter longer than
:data:`MAX_MATTER_CHARS`); a request id sent again by the same station keeps
its first request. Nothing a station sends can therefore make a page or a
form grow with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from county.store import Store, StoredEvent
from protocol.approval_token import MAX_USES
from protocol.event_blobs import named_blobs

REQUEST_STREAM = "seal.request"
SEAL_ROLES = frozenset({"seal", "all"})
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SLOT_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_MATTER_CHARS = 100


@dataclass(frozen=True)
class StationRequest:
    device_id: str
    req: str
    slot: str
    matter: str
    uses: int
    doc: str | None  # the fingerprint of the document photographed with it
    created: float  # by the station's clock
    received: float  # by the county's
    photos: tuple[str, ...] = ()  # sha256 of the photos sent with it (the document's)

    @property
    def key(self) -> tuple[str, str]:
        return (self.device_id, self.req)


@dataclass
class FiledRequests:
    requests: list[StationRequest] = field(default_factory=list)  # as received, oldest first
    #: seal.request events from devices not enrolled as seal stations, per device
    foreign: dict[str, int] = field(default_factory=dict)
    #: seal.request events that are not requests, per device
    malformed: dict[str, int] = field(default_factory=dict)
    #: request id -> the devices not enrolled as seal stations that sent it
    foreign_ids: dict[str, set[str]] = field(default_factory=dict)

    def find(self, req: str, device_id: str | None = None) -> list[StationRequest]:
        return [r for r in self.requests
                if r.req == req and (device_id is None or r.device_id == device_id)]

    def foreign_from(self, req: str) -> list[str]:
        """Devices not enrolled as seal stations that sent a request *req*."""
        return sorted(self.foreign_ids.get(req, set()))


def _request(event: StoredEvent) -> StationRequest | None:
    payload: Any = event.payload
    if not isinstance(payload, dict):
        return None
    req, slot, matter = payload.get("req"), payload.get("slot"), payload.get("matter", "")
    uses, doc = payload.get("uses"), payload.get("doc")
    if not (isinstance(req, str) and REQUEST_ID.fullmatch(req)
            and isinstance(slot, str) and SLOT_NAME.fullmatch(slot)
            and isinstance(matter, str) and len(matter) <= MAX_MATTER_CHARS
            and isinstance(uses, int) and not isinstance(uses, bool) and 1 <= uses <= MAX_USES
            and (doc is None or isinstance(doc, str))):
        return None
    photos = tuple(named_blobs(REQUEST_STREAM, payload))
    return StationRequest(event.device_id, req, slot, matter, uses, doc, event.created,
                          event.received, photos)


def filed_requests(store: Store) -> FiledRequests:
    """Every request seal stations filed, and what else came on the stream."""
    filed = FiledRequests()
    seen: set[tuple[str, str]] = set()
    for event in store.stream_events_received(REQUEST_STREAM):
        if event.role not in SEAL_ROLES:
            filed.foreign[event.device_id] = filed.foreign.get(event.device_id, 0) + 1
            payload = event.payload if isinstance(event.payload, dict) else {}
            if isinstance(payload.get("req"), str):
                filed.foreign_ids.setdefault(payload["req"], set()).add(event.device_id)
            continue
        request = _request(event)
        if request is None:
            filed.malformed[event.device_id] = filed.malformed.get(event.device_id, 0) + 1
        elif request.key not in seen:
            seen.add(request.key)
            filed.requests.append(request)
    return filed
