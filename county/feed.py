"""The county's feed: signed documents in publication order (``seq``), each
addressed to every device (``"*"``), to one, or to the devices of one
village (``village:<code>``), plus the signed statement of the county's
clock that comes with every feed answer."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from county.store import Store
from protocol.api import FEED_PAGE_SIZE, TIME_DOCUMENT_NAME, TIME_DOCUMENT_SECONDS
from protocol.documents import FeedDocument, SignedDocument


def publish_document(
    store: Store,
    key: Ed25519PrivateKey,
    kind: str,
    name: str,
    body: dict[str, Any],
    *,
    audience: str,
    days_valid: float,
    now: float,
) -> tuple[int, SignedDocument]:
    """Sign and store the next version of (*kind*, *name*); its seq and the document.

    Raises :class:`~protocol.documents.DocumentRejected` for a document a device
    would refuse as malformed (unknown kind, bad name, body not an object).
    """
    with store.transaction():
        return add_document(store, key, kind, name, body, audience=audience,
                            days_valid=days_valid, now=now)


def add_document(
    store: Store,
    key: Ed25519PrivateKey,
    kind: str,
    name: str,
    body: dict[str, Any],
    *,
    audience: str,
    days_valid: float,
    now: float,
) -> tuple[int, SignedDocument]:
    """:func:`publish_document` within a transaction the caller holds, so
    that the document is published together with what it records, or not."""
    version = store.latest_version(kind, name) + 1
    issued = int(now)
    document = FeedDocument.from_dict({
        "kind": kind, "name": name, "version": version, "issued": issued,
        "expires": issued + max(1, int(days_valid * 86400)), "audience": audience,
        "body": body,
    })
    signed = SignedDocument.sign(key, document)
    wire = json.dumps(signed.to_wire(), ensure_ascii=False, allow_nan=False)
    seq = store.add_document(kind, name, version, audience, wire, now)
    return seq, signed


def time_document(key: Ed25519PrivateKey, device_id: str, now: float) -> SignedDocument:
    """The county's clock, signed, for *device_id* only, valid a few minutes."""
    issued = int(now)
    return SignedDocument.sign(key, FeedDocument(
        kind="time", name=TIME_DOCUMENT_NAME, version=int(now * 1000), issued=issued,
        expires=issued + TIME_DOCUMENT_SECONDS, audience=device_id, body={"time": now},
    ))


def feed_page(
    store: Store, key: Ed25519PrivateKey, device_id: str, after: int, now: float
) -> dict[str, Any]:
    """The answer to ``GET /v1/feed?after=N`` for *device_id*."""
    documents = [
        {"seq": seq, "signed": wire}
        for seq, wire in store.documents_after(after, device_id, FEED_PAGE_SIZE)
    ]
    return {
        "documents": documents,
        "server_time": now,
        "time": time_document(key, device_id, now).to_wire(),
    }

