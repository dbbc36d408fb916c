"""The whole path over HTTP: a kiosk enrolled at a real county takes the
complaint key from the feed, files a complaint that the sync agent uploads,
the county reads it and publishes a reply, and the kiosk shows the reply."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from county import operator
from county.complaints import ensure_complaint_key, list_reports, set_status
from county.server import CountyServer
from kiosk.services.complaints import ComplaintForm, ComplaintReceipt, file_complaint, readiness
from kiosk.services.progress import lookup
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.kiosk.services.conftest import KIOSK, NOW

VILLAGE = "330226100201"


@pytest.fixture
def county(tmp_path: Path) -> Iterator[CountyServer]:
    with CountyServer(tmp_path / "county", port=0) as server:
        yield server


def test_a_complaint_travels_sealed_to_the_county_and_the_reply_comes_back(
    tmp_path: Path, county: CountyServer
) -> None:
    state = tmp_path / "kiosk"
    key = load_or_create_device_key(state / "device.key")
    client = CountyClient(county.url, KIOSK, key, county.public_key)
    enroll(client, code=operator.make_enroll_code(county.data_dir, KIOSK), role="kiosk",
           village_code=VILLAGE, pinned_key=county.public_key, path=state / "enrollment.json")
    outbox = Outbox(state / "outbox")
    feed = FeedStore(state / "feed", public_key_from_text(county.public_key), KIOSK,
                     clock=time.time)
    agent = SyncAgent(outbox, client, feed, state / "status.json", SyncSettings())
    try:
        agent.run_once()
        assert readiness(feed) is not None  # the county has not made its key yet
        ensure_complaint_key(county.data_dir)
        agent.run_once()
        assert readiness(feed) is None

        form = ComplaintForm("delay", "BM-01", "农村宅基地建房申请", phone="15012345678")
        receipt = file_complaint(outbox, feed, KIOSK, form, now=NOW)
        assert isinstance(receipt, ComplaintReceipt)
        assert agent.run_once().events_sent == 1

        [report] = list_reports(county.data_dir)
        assert (report.code, report.device_id, report.item_name, report.problem,
                report.phone) == (receipt.code, KIOSK, "农村宅基地建房申请", "办事拖延",
                                  "15012345678")
        assert lookup(feed, receipt.code).state == "not_found"
        set_status(county.data_dir, receipt.code, "replied")
        agent.run_once()
        assert lookup(feed, receipt.code).state == "replied"
    finally:
        outbox.close()
        client.close()
