"""The feed: signed documents in publication order, filtered by audience,
with a signed statement of the county's clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from county import operator
from protocol.documents import DocumentRejected, SignedDocument
from protocol.signing import public_key_from_text
from tests.county.conftest import Device, enroll


def documents(device: Device, after: int = 0) -> list[tuple[int, SignedDocument]]:
    response = device.feed(after)
    assert response.status_code == 200, response.text
    return [(item["seq"], SignedDocument.from_wire(item["signed"]))
            for item in response.json()["documents"]]


def test_published_documents_come_back_in_order_and_verify(device: Device, data_dir: Path) -> None:
    operator.publish(data_dir, "catalog", "powers-2024", {"items": ["低保", "危房改造"]})
    operator.publish(data_dir, "disclosure", "q1", {"text": "公开"})
    operator.publish(data_dir, "catalog", "powers-2024", {"items": ["低保"]})
    county_key = public_key_from_text(operator.county_public_key(data_dir))

    feed = documents(device)

    assert [(d.document.kind, d.document.name, d.document.version) for _, d in feed] == [
        ("catalog", "powers-2024", 1), ("disclosure", "q1", 1), ("catalog", "powers-2024", 2)
    ]
    seqs = [seq for seq, _ in feed]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    for _, signed in feed:
        signed.check(county_key, device_id=device.device_id, now=time.time(), held_version=None)
    assert feed[0][1].document.body == {"items": ["低保", "危房改造"]}


def test_after_returns_only_later_documents(device: Device, data_dir: Path) -> None:
    for number in range(3):
        operator.publish(data_dir, "roster", f"r{number}", {"n": number})
    first_seq = documents(device)[0][0]
    assert [d.document.name for _, d in documents(device, after=first_seq)] == ["r1", "r2"]
    last_seq = documents(device)[-1][0]
    assert documents(device, after=last_seq) == []


def test_a_feed_answer_holds_at_most_100_documents(device: Device, data_dir: Path) -> None:
    for number in range(103):
        operator.publish(data_dir, "config", "settings", {"n": number})
    page = documents(device)
    assert len(page) == 100
    rest = documents(device, after=page[-1][0])
    assert [d.document.version for _, d in rest] == [101, 102, 103]


def test_documents_reach_only_their_audience(
    device: Device, new_device: Callable[[str], Device], data_dir: Path
) -> None:
    kiosk = enroll(new_device("ve-330226100201-kiosk"), data_dir)
    operator.publish(data_dir, "catalog", "all", {})
    operator.publish(data_dir, "config", "seal-only", {}, audience=device.device_id)
    operator.publish(data_dir, "config", "kiosk-only", {}, audience=kiosk.device_id)

    assert [d.document.name for _, d in documents(device)] == ["all", "seal-only"]
    assert [d.document.name for _, d in documents(kiosk)] == ["all", "kiosk-only"]


def test_the_time_document_is_signed_for_this_device_only(
    device: Device, data_dir: Path
) -> None:
    county_key = public_key_from_text(operator.county_public_key(data_dir))
    before = time.time()
    answer = device.feed().json()
    after = time.time()
    clock = SignedDocument.from_wire(answer["time"])

    clock.check(county_key, device_id=device.device_id, now=time.time(), held_version=None)
    document = clock.document
    assert (document.kind, document.name, document.audience) == (
        "time", "county-clock", device.device_id
    )
    assert before <= document.body["time"] <= after  # the county's "now"
    assert document.expires - document.issued == 300
    assert abs(document.version - document.body["time"] * 1000) < 1000
    assert abs(answer["server_time"] - document.body["time"]) < 1
    with pytest.raises(DocumentRejected, match="audience"):
        clock.check(county_key, device_id="ve-someone-else", now=time.time(), held_version=None)


def test_a_time_document_altered_in_transit_does_not_verify(
    device: Device, data_dir: Path
) -> None:
    county_key = public_key_from_text(operator.county_public_key(data_dir))
    wire = device.feed().json()["time"]
    wire["document"]["body"]["time"] += 3600

    with pytest.raises(DocumentRejected, match="signature"):
        SignedDocument.from_wire(wire).check(
            county_key, device_id=device.device_id, now=time.time(), held_version=None
        )


def test_after_must_be_a_whole_number(device: Device) -> None:
    response = device.send("GET", "/v1/feed?after=-1")
    assert response.status_code == 400
    assert "after must be a whole number" in response.json()["detail"]
