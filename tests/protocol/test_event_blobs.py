"""Which photos an event names: a payload's ``blobs``, and a ledger record's
own ``photo`` (the record is chained, so nothing is added to it)."""

from __future__ import annotations

import hashlib

from protocol.event_blobs import named_blobs

A = hashlib.sha256(b"a").hexdigest()
B = hashlib.sha256(b"b").hexdigest()


def test_a_payload_names_its_blobs_in_order_each_once() -> None:
    assert named_blobs("alarm", {"blobs": [B, A, B]}) == (B, A)
    assert named_blobs("alarm", {}) == ()


def test_a_ledger_record_names_its_photo() -> None:
    assert named_blobs("seal.ledger", {"kind": "stamp", "photo": A}) == (A,)
    assert named_blobs("seal.ledger", {"kind": "requested", "photo": A, "blobs": [B]}) == (B, A)


def test_a_photo_field_outside_the_ledger_names_nothing() -> None:
    assert named_blobs("receipt", {"photo": A}) == ()


def test_text_that_is_not_a_sha256_names_nothing() -> None:
    odd = [A.upper(), A[:-1], f"../{A[3:]}", 7, None, {"sha256": A}]
    assert named_blobs("alarm", {"blobs": odd}) == ()
    assert named_blobs("alarm", {"blobs": A}) == ()  # not a list
    for photo in odd:
        assert named_blobs("seal.ledger", {"photo": photo}) == ()
