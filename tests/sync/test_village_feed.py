"""A village's documents (audience ``village:<code>``) over a real county on
loopback and the real sync agent: the county serves them to the devices
enrolled in that village only, and a device takes only its own village's,
even when the server sends it another's (its database altered behind it),
and takes none at all while it does not know its village."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from county import operator
from county.datadir import existing_county
from county.feed import publish_document
from county.keyfile import load_key
from county.server import CountyServer
from county.store import Store
from protocol.documents import village_audience
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.county.conftest import county_sql

VILLAGE = "330226100201"
OTHER_VILLAGE = "330226100202"
WORKS = {"title": "村道硬化工程招标结果", "category": "工程项目", "date": "2026-11-02",
         "amount_yuan": 86000, "contractor": "某建设公司"}


@dataclass
class Kiosk:
    """An enrolled kiosk: its feed store and a way to run one sync round."""

    state: Path
    client: CountyClient
    feed: FeedStore

    def sync(self) -> None:
        outbox = Outbox(self.state / "outbox")
        try:
            SyncAgent(outbox, self.client, self.feed, self.state / "status.json",
                      SyncSettings()).run_once()
        finally:
            outbox.close()


@pytest.fixture
def kiosks(tmp_path: Path, county: CountyServer) -> Iterator[dict[str, Kiosk]]:
    """Two kiosks, each enrolled in its village: "A" and "B"."""
    made: dict[str, Kiosk] = {}
    for label, village in (("A", VILLAGE), ("B", OTHER_VILLAGE)):
        device_id = f"ve-{village}-k1"
        state = tmp_path / label
        client = CountyClient(county.url, device_id,
                              load_or_create_device_key(state / "device.key"), county.public_key)
        code = operator.make_enroll_code(county.data_dir, device_id, role="kiosk")
        enroll(client, code=code, role="kiosk", village_code=village,
               pinned_key=county.public_key, path=state / "enrollment.json")
        feed = FeedStore(state / "feed", public_key_from_text(county.public_key), device_id,
                         time.time, village_code=village)
        made[label] = Kiosk(state, client, feed)
    yield made
    for kiosk in made.values():
        kiosk.client.close()


def publish(county: CountyServer, name: str, audience: str) -> None:
    data = existing_county(county.data_dir)
    with Store.open(data.database) as store:
        publish_document(store, load_key(data.key), "disclosure", name, WORKS,
                         audience=audience, days_valid=30, now=time.time())


def test_a_village_document_reaches_that_villages_kiosk_only(
        county: CountyServer, kiosks: dict[str, Kiosk]) -> None:
    publish(county, "works-a", village_audience(VILLAGE))
    publish(county, "for-all", "*")
    for kiosk in kiosks.values():
        kiosk.sync()
    a, b = kiosks["A"].feed, kiosks["B"].feed
    held = a.get("disclosure", "works-a")
    assert held is not None and held.document.body["title"] == "村道硬化工程招标结果"
    assert b.get("disclosure", "works-a") is None
    assert b.names("disclosure") == ["for-all"]  # B still gets what is for everyone
    assert not b.rejected  # never sent to B: the county knows B's village


def test_another_villages_document_is_refused_even_when_the_server_sends_it(
        county: CountyServer, kiosks: dict[str, Kiosk]) -> None:
    publish(county, "works-a", village_audience(VILLAGE))
    # the database altered behind the county: the row now says every device,
    # the signed document inside still says village A
    county_sql(county.data_dir, "UPDATE documents SET audience = '*'")
    kiosks["B"].sync()
    b = kiosks["B"].feed
    assert b.get("disclosure", "works-a") is None and b.names("disclosure") == []
    assert b.rejected["audience"] == 1
    kiosks["A"].sync()
    assert kiosks["A"].feed.get("disclosure", "works-a") is not None


def test_a_device_that_does_not_know_its_village_takes_no_village_document(
        county: CountyServer, kiosks: dict[str, Kiosk]) -> None:
    publish(county, "works-a", village_audience(VILLAGE))
    a = kiosks["A"]
    a.feed = FeedStore(a.feed.directory, a.feed.county_key, a.client.device_id, time.time)
    a.sync()
    assert a.feed.names("disclosure") == [] and a.feed.rejected["audience"] == 1
