"""The county's clock in a feed answer held on the way: an on-path attacker
over plain http may hold the answer that carries an approval, trickling it
under the per-read timeout. The station anchors the county's clock at the
moment it asked for the page, so holding the answer never puts its clock
behind; and the client takes no feed answer later than its deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from protocol.api import TIME_DOCUMENT_NAME
from protocol.signing import new_private_key, public_key_from_text, public_key_text
from seal_controller.feed_watch import FeedWatcher
from seal_controller.trusted_clock import TrustedClock
from sync.agent import SyncAgent, SyncSettings
from sync.boot import BootClock
from sync.client import CountyClient, CountyUnreachable
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from tests.sync.conftest import DEVICE, Station

HELD_SECONDS = 250.0


class ManualBoot:
    def __init__(self) -> None:
        self.seconds = 500.0

    def clock(self) -> BootClock:
        return BootClock(lambda: "boot-under-test", lambda: self.seconds)


def test_a_held_feed_answer_never_puts_the_station_clock_behind(station: Station) -> None:
    boot = ManualBoot()
    feed = FeedStore(station.state / "feed", public_key_from_text(station.county.public_key),
                     DEVICE, time.time, boot=boot.clock())
    key = load_or_create_device_key(station.state / "device.key")
    client = CountyClient(station.county.url, DEVICE, key, station.county.public_key)
    real_feed = client.feed
    asked_at: list[float] = []

    def held_on_the_way(after: int, health: str | None = None) -> dict[str, Any]:
        asked_at.append(boot.seconds)
        page = real_feed(after, health)  # the county answers at once ...
        boot.seconds += HELD_SECONDS  # ... and the answer arrives this much later
        return page

    client.feed = held_on_the_way  # type: ignore[method-assign]
    agent = SyncAgent(station.outbox, client, feed, station.state / "status.json",
                      SyncSettings(batch_events=50))
    agent.pull()
    held = feed.get("time", TIME_DOCUMENT_NAME)
    receipt = feed.receipt("time", TIME_DOCUMENT_NAME)
    assert held is not None and receipt is not None
    assert receipt.moment.boottime == asked_at[0]  # anchored at the asking
    clock = TrustedClock(station.state / "trusted-time", boot=boot.clock())
    FeedWatcher(feed, clock).poll()
    county_time = float(held.document.body["time"])
    now = clock.now()
    # the truth is at least the county's reading plus the time the answer was held
    assert now is not None and now >= county_time + HELD_SECONDS * len(asked_at)
    client.close()


class Trickle(BaseHTTPRequestHandler):
    """An answer that comes one byte at a time, each well within the read timeout."""

    def do_GET(self) -> None:
        body = b'{"documents": [], "time": null}' + b" " * 40
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for byte in body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.1)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickling() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_feed_answer_trickled_past_the_deadline_is_not_taken(trickling: str,
                                                               tmp_path: Path) -> None:
    county = public_key_text(new_private_key().public_key())
    client = CountyClient(trickling, DEVICE, new_private_key(), county, timeout=(2.0, 2.0),
                          feed_deadline=1.0)
    with pytest.raises(CountyUnreachable, match="no complete answer within"):
        client.feed(0)
    client.close()
