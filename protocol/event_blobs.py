"""Which blobs (photos, documents) an event names.

A device uploads every blob an event names before the batch that carries the
event, and frees it once the county holds it; the county finds a record's
photo by the same rule. An event names blobs in two places:

- its payload's ``blobs``: a list of sha256 digests in hex (a seal request,
  an alarm, a receipt);
- for a seal ledger record (stream :data:`~protocol.api.LEDGER_STREAM`), the
  record's own ``photo`` (a ``requested``, ``stamp`` or alarm record). A
  ledger record is hash-chained (:mod:`protocol.ledger_chain`): it travels as
  it was written, so the photo it names is read from it, never added to it.

Anything else (text that is not a sha256 in lower-case hex) names nothing.

An event names at most :data:`MAX_BLOBS_PER_EVENT` files in ``blobs``: a
station's event names one photo (the document's, the stamp's, the alarm's,
a screenshot), so ten leaves room and still bounds what one event can make
the county fetch, keep and show. An event naming more is refused on both
ends (:func:`protocol.events.event_problem`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.api import LEDGER_STREAM, SHA256_HEX

BLOBS_FIELD = "blobs"
MAX_BLOBS_PER_EVENT = 10


def blobs_problem(payload: Mapping[str, Any]) -> str | None:
    """What is wrong with the files *payload* names, or None."""
    listed = payload.get(BLOBS_FIELD)
    if isinstance(listed, list) and len(listed) > MAX_BLOBS_PER_EVENT:
        return (f"payload {BLOBS_FIELD} names {len(listed)} files; an event may name at most "
                f"{MAX_BLOBS_PER_EVENT} (a station sends one photo per event)")
    return None
LEDGER_PHOTO_FIELD = "photo"


def _digest(value: Any) -> str | None:
    return value if isinstance(value, str) and SHA256_HEX.fullmatch(value) else None


def named_blobs(stream: str, payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The sha256 of every blob the event (*stream*, *payload*) names, each
    once, in the order named."""
    found: list[str] = []
    listed = payload.get(BLOBS_FIELD)
    if isinstance(listed, list):
        found += [d for d in map(_digest, listed) if d is not None]
    if stream == LEDGER_STREAM:
        photo = _digest(payload.get(LEDGER_PHOTO_FIELD))
        if photo is not None:
            found.append(photo)
    return tuple(dict.fromkeys(found))
