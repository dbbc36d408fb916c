"""The kiosk's screens reach the real services: a complaint filed through the
screen's call is sealed in the outbox and opened only at the county; a
missing county key is said plainly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from county import operator
from county.complaints import ensure_complaint_key, list_reports
from county.server import CountyServer
from kiosk.viewmodels.services import ComplaintDraft
from kiosk.wiring import ComplaintsUnavailable, FeedProgress, SealedComplaints
from protocol.signing import new_private_key, public_key_from_text
from sync.agent import SyncAgent
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox

DEVICE = "ve-test-kiosk1"


def test_a_complaint_from_the_screen_reaches_the_county_sealed(tmp_path: Path) -> None:
    with CountyServer(tmp_path / "county") as county:
        ensure_complaint_key(county.data_dir)
        key = load_or_create_device_key(tmp_path / "device.key")
        client = CountyClient(county.url, DEVICE, key, county.public_key)
        enroll(client, code=operator.make_enroll_code(county.data_dir, DEVICE), role="kiosk",
               village_code="330226100201", pinned_key=county.public_key,
               path=tmp_path / "enrollment.json")
        feed = FeedStore(tmp_path / "feed", public_key_from_text(county.public_key), DEVICE,
                         time.time)
        with Outbox(tmp_path / "outbox") as outbox:
            agent = SyncAgent(outbox, client, feed, tmp_path / "status.json")
            agent.run_once()  # the county's report key arrives
            filed = SealedComplaints(outbox, feed, DEVICE).file(ComplaintDraft(
                "GP-02", "村集体资产资源处置", "少数人说了算，没有按程序办", "13912345678"))
            assert filed.receipt is not None
            on_disk = b"".join(p.read_bytes() for p in (tmp_path / "outbox").rglob("*.log"))
            assert b"13912345678" not in on_disk  # unreadable on the device
            assert "处置".encode() not in on_disk
            agent.run_once()
        reports = list_reports(county.data_dir)
        assert [r.phone for r in reports] == ["13912345678"]
        assert FeedProgress(feed).lookup("123") is not None  # a mistyped code is answered
        client.close()


def test_without_the_county_key_the_screen_is_told_plainly(tmp_path: Path) -> None:
    feed = FeedStore(tmp_path / "feed", new_private_key().public_key(), DEVICE, time.time)
    with Outbox(tmp_path / "outbox") as outbox, pytest.raises(ComplaintsUnavailable) as caught:
        SealedComplaints(outbox, feed, DEVICE).file(
            ComplaintDraft(None, None, "其他问题", None))
    assert "监督电话" in caught.value.message
