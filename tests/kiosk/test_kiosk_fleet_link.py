"""The kiosk's screenshot orders, on a real feed store and outbox with
documents signed by a county key: acted on once; a replayed command, one
for another kiosk, one naming another device, or one signed by another key
never makes a picture. (The picture of a real Kivy window is taken in the
browser test, tests/county/console/test_technician_browser.py.)"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.fleet_link import FleetLink, ScreenshotOrders
from protocol.documents import DocumentRejected, FeedDocument, SignedDocument
from protocol.screenshot_command import SCREENSHOT_STREAM, ScreenshotCommand
from protocol.signing import new_private_key
from sync.device_health import HealthSources, measure_health, note_paper
from sync.feed_store import FeedStore
from sync.outbox import Outbox

KIOSK = "ve-330226100201-kiosk1"
OTHER = "ve-330226100201-kiosk2"
PICTURE = (b"\x89PNG not really", 800, 480)


def command(key: Ed25519PrivateKey, version: int, *, audience: str = KIOSK,
            device: str = KIOSK, name: str | None = None) -> dict[str, Any]:
    body = ScreenshotCommand(device, time.time(), "zhang").body()
    document = FeedDocument.from_dict({
        "kind": "command", "name": name or f"screenshot.{audience}", "version": version,
        "issued": int(time.time()), "expires": int(time.time()) + 86400,
        "audience": audience, "body": body})
    return SignedDocument.sign(key, document).to_wire()


class Kiosk:
    def __init__(self, tmp_path: Path) -> None:
        self.county = new_private_key()
        self.feed = FeedStore(tmp_path / "feed", self.county.public_key(), KIOSK, time.time)
        self.outbox = Outbox(tmp_path / "outbox")
        self.orders = ScreenshotOrders(self.feed, self.outbox, KIOSK, tmp_path / "acted")
        self.taken: list[int] = []

        def capture() -> tuple[bytes, int, int]:
            self.taken.append(1)
            return PICTURE

        self.link = FleetLink(self.orders, capture=capture)

    def answers(self) -> list[dict[str, Any]]:
        return [e.payload for e in self.outbox.pending() if e.stream == SCREENSHOT_STREAM]


@pytest.fixture
def kiosk(tmp_path: Path) -> Any:
    made = Kiosk(tmp_path)
    yield made
    made.outbox.close()


def test_a_command_is_answered_once_with_the_picture(kiosk: Kiosk) -> None:
    kiosk.feed.accept(command(kiosk.county, 1))
    taken = kiosk.link.poll()
    assert taken is not None and taken.version == 1
    assert kiosk.link.poll() is None
    assert ScreenshotOrders(kiosk.feed, kiosk.outbox, KIOSK, kiosk.orders.acted).next_order() \
        is None  # after a restart too
    answers = kiosk.answers()
    assert [(a["command"], a["version"]) for a in answers] == [(f"screenshot.{KIOSK}", 1)]
    assert kiosk.outbox.blob_path(answers[0]["blobs"][0]).read_bytes() == PICTURE[0]
    kiosk.feed.accept(command(kiosk.county, 2))  # asked again: a new picture
    assert kiosk.link.poll() is not None and len(kiosk.taken) == 2


def test_a_replayed_command_is_refused(kiosk: Kiosk) -> None:
    wire = command(kiosk.county, 1)
    kiosk.feed.accept(wire)
    assert kiosk.link.poll() is not None
    with pytest.raises(DocumentRejected):
        kiosk.feed.accept(wire)
    assert kiosk.link.poll() is None and len(kiosk.taken) == 1


def test_a_command_for_another_kiosk_or_from_another_key_is_refused(kiosk: Kiosk) -> None:
    with pytest.raises(DocumentRejected):
        kiosk.feed.accept(command(kiosk.county, 1, audience=OTHER))
    with pytest.raises(DocumentRejected):
        kiosk.feed.accept(command(new_private_key(), 1))
    assert kiosk.link.poll() is None and kiosk.taken == [] and kiosk.answers() == []


def test_a_command_naming_another_device_is_refused_with_a_log_line(
        kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:
    kiosk.feed.accept(command(kiosk.county, 1, device=OTHER, name=f"screenshot.{KIOSK}"))
    assert kiosk.link.poll() is None and kiosk.taken == []
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_the_paper_is_noted_for_the_health_report(tmp_path: Path) -> None:
    note = tmp_path / "printer-status.json"
    link = FleetLink(None, paper=lambda: "out", paper_note=note)
    link.poll()
    deadline = time.monotonic() + 30
    while not note.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    sources = HealthSources(tmp_path, paper_note=note)
    assert measure_health(sources, time.time()).paper == "out"
    note_paper(note, "ok", time.time())
    assert measure_health(sources, time.time()).paper == "ok"
