"""The device's copy of the county's documents: only genuine, current, newer
documents replace what it holds; everything else is refused and counted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from protocol.documents import DocumentRejected, FeedDocument, SignedDocument
from protocol.signing import new_private_key
from sync.feed_store import FeedStore

COUNTY = new_private_key()
DEVICE = "ve-test-kiosk1"


def document(version: int, *, expires_in: float = 3600, audience: str = "*",
             body: dict | None = None) -> FeedDocument:  # type: ignore[type-arg]
    now = int(time.time())
    return FeedDocument("catalog", "county-common", version, now - 10, int(now + expires_in),
                        audience, body or {"title": f"清单 v{version}"})


@pytest.fixture
def store(tmp_path: Path) -> FeedStore:
    return FeedStore(tmp_path / "feed", COUNTY.public_key(), DEVICE, time.time)


def offer(store: FeedStore, doc: FeedDocument, key=COUNTY) -> SignedDocument:  # type: ignore[no-untyped-def]
    return store.accept(SignedDocument.sign(key, doc).to_wire())


def test_a_genuine_newer_document_replaces_the_old(store: FeedStore) -> None:
    offer(store, document(1))
    offer(store, document(2))
    held = store.get("catalog", "county-common")
    assert held is not None and held.document.version == 2
    assert store.generation() == 2


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (lambda: (document(5), new_private_key()), "signature"),
        (lambda: (document(5, expires_in=-1), COUNTY), "expired"),
        (lambda: (document(1), COUNTY), "rollback"),
        (lambda: (document(2), COUNTY), "rollback"),
        (lambda: (document(5, audience="ve-other-device"), COUNTY), "audience"),
    ],
)
def test_bad_documents_are_refused_and_the_last_good_copy_kept(
    store: FeedStore, bad, reason: str  # type: ignore[no-untyped-def]
) -> None:
    offer(store, document(2))
    doc, key = bad()
    with pytest.raises(DocumentRejected) as caught:
        offer(store, doc, key)
    assert caught.value.reason == reason
    assert store.rejected[reason] == 1
    held = store.get("catalog", "county-common")
    assert held is not None and held.document.version == 2
    assert store.generation() == 1


def test_an_altered_document_fails_its_signature(store: FeedStore) -> None:
    wire = SignedDocument.sign(COUNTY, document(3)).to_wire()
    wire["document"]["body"]["title"] = "被改过的清单"
    with pytest.raises(DocumentRejected, match="signature"):
        store.accept(wire)


@pytest.mark.parametrize("wire", [None, [], {"document": {}, "signature": "x"},
                                  {"document": {"kind": "catalog"}, "signature": 1}])
def test_malformed_documents_are_refused(store: FeedStore, wire: object) -> None:
    with pytest.raises(DocumentRejected, match="malformed"):
        store.accept(wire)


def test_a_document_edited_on_the_sd_card_is_not_trusted(store: FeedStore) -> None:
    offer(store, document(1))
    path = store.directory / "catalog" / "county-common.json"
    data = json.loads(path.read_text())
    data["document"]["body"]["title"] = "偷偷改的"
    path.write_text(json.dumps(data, ensure_ascii=False))
    assert store.get("catalog", "county-common") is None
    offer(store, document(1))  # the genuine copy is taken again
    assert store.get("catalog", "county-common") is not None


def test_each_kept_document_records_when_it_was_received(tmp_path: Path) -> None:
    from sync.boot import BootClock

    boottime = [100.0]
    boot = BootClock(lambda: "boot-a", lambda: boottime[0])
    store = FeedStore(tmp_path / "feed", COUNTY.public_key(), DEVICE, time.time, boot=boot)
    offer(store, document(1))
    receipt = store.receipt("catalog", "county-common")
    assert receipt is not None and receipt.version == 1
    assert (receipt.moment.boot_id, receipt.moment.boottime) == ("boot-a", 100.0)
    boottime[0] = 160.0
    assert boot.since(receipt.moment) == 60.0  # another process of this boot can tell
    rebooted = BootClock(lambda: "boot-b", lambda: 5.0)
    assert rebooted.since(receipt.moment) is None  # kept from before a reboot: old news
    offer(store, document(2))
    again = store.receipt("catalog", "county-common")
    assert again is not None and (again.version, again.moment.boottime) == (2, 160.0)


def test_a_rejected_document_leaves_the_receipt_alone(tmp_path: Path) -> None:
    from sync.boot import BootClock

    boot = BootClock(lambda: "boot-a", lambda: 1.0)
    store = FeedStore(tmp_path / "feed", COUNTY.public_key(), DEVICE, time.time, boot=boot)
    offer(store, document(3))
    with pytest.raises(DocumentRejected):
        offer(store, document(2))
    receipt = store.receipt("catalog", "county-common")
    assert receipt is not None and receipt.version == 3
    assert store.receipt("catalog", "never-published") is None


def test_the_real_boot_is_read_from_the_kernel() -> None:
    from sync.boot import BootClock

    boot = BootClock()
    moment = boot.moment()
    assert len(moment.boot_id) == 36 and moment.boottime > 0  # a UUID; seconds since boot
    later = boot.since(moment)
    assert later is not None and later >= 0
