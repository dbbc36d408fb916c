"""The catalog on screen: the county's signed catalog when valid; the last
good one when an update is tampered with, expired or invalid; the sample
(marked 示范样本) when the county has published nothing."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.viewmodels.catalog_source import CatalogSource
from powerlist import catalog_to_dict, load_sample
from protocol.documents import DocumentRejected, FeedDocument, SignedDocument
from protocol.signing import new_private_key
from sync.feed_store import FeedStore

COUNTY = new_private_key()
DEVICE = "ve-test-kiosk1"
SAMPLE = load_sample()


def county_catalog(version: int, title: str) -> dict:  # type: ignore[type-arg]
    catalog = replace(SAMPLE, id="county-common", title=title, version=version, sample=False,
                      issued_by="示范县")
    return catalog_to_dict(catalog)


def publish(store: FeedStore, version: int, body: dict, *, expires_in: float = 3600,  # type: ignore[type-arg]
            key=COUNTY) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time())
    document = FeedDocument("catalog", "county-common", version, now - 10, int(now + expires_in),
                            "*", body)
    store.accept(SignedDocument.sign(key, document).to_wire())


@pytest.fixture
def store(tmp_path: Path) -> FeedStore:
    return FeedStore(tmp_path / "feed", COUNTY.public_key(), DEVICE, time.time)


def test_without_a_county_catalog_the_sample_is_shown_and_marked(store: FeedStore) -> None:
    shown = CatalogSource(store, time.time).current()
    assert shown.is_sample and not shown.from_county
    assert shown.catalog.title == SAMPLE.title


def test_a_valid_county_catalog_replaces_the_sample(store: FeedStore) -> None:
    source = CatalogSource(store, time.time)
    assert source.current().is_sample
    publish(store, 1, county_catalog(1, "示范县村级小微权力清单"))
    shown = source.current()
    assert shown.from_county and not shown.is_sample
    assert shown.catalog.title == "示范县村级小微权力清单"


def test_a_tampered_update_is_refused_and_the_old_catalog_stays(store: FeedStore) -> None:
    source = CatalogSource(store, time.time)
    publish(store, 1, county_catalog(1, "第一版"))
    assert source.current().catalog.title == "第一版"
    with pytest.raises(DocumentRejected):
        publish(store, 2, county_catalog(2, "冒充的清单"), key=new_private_key())
    assert source.current().catalog.title == "第一版"
    # Altered on the device's disk after it was accepted: it no longer verifies.
    path = store.directory / "catalog" / "county-common.json"
    wire = json.loads(path.read_bytes())
    wire["document"]["body"]["title"] = "被改过的清单"
    path.write_text(json.dumps(wire, ensure_ascii=False), "utf-8")
    (store.directory / "generation").write_text("99\n")
    shown = source.current()
    assert shown.catalog.title == "第一版" and shown.from_county
    assert any("does not verify" in problem for problem in source.problems)


def test_an_expired_update_is_refused_and_the_old_catalog_stays(store: FeedStore) -> None:
    source = CatalogSource(store, time.time)
    publish(store, 1, county_catalog(1, "第一版"))
    source.current()
    with pytest.raises(DocumentRejected, match="expired"):
        publish(store, 2, county_catalog(2, "过期的清单"), expires_in=-5)
    assert source.current().catalog.title == "第一版"


def test_a_held_catalog_that_expires_is_no_longer_taken_up(store: FeedStore) -> None:
    now = [time.time()]
    publish(store, 1, county_catalog(1, "第一版"), expires_in=60)
    later = CatalogSource(store, lambda: now[0] + 3600)
    assert later.current().is_sample
    assert any("expired" in problem for problem in later.problems)


def test_a_signed_but_invalid_catalog_is_not_shown(store: FeedStore) -> None:
    source = CatalogSource(store, time.time)
    publish(store, 1, county_catalog(1, "第一版"))
    source.current()
    broken = county_catalog(2, "缺字段的清单")
    del broken["items"][0]["name"]
    publish(store, 2, broken)
    shown = source.current()
    assert shown.catalog.title == "第一版"
    assert any("not a valid catalog" in problem for problem in source.problems)
    publish(store, 3, county_catalog(3, "第三版"))
    assert source.current().catalog.title == "第三版"
