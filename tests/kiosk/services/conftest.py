"""Fixtures for the kiosk services: a real county data directory, and a kiosk
(outbox and feed store) that takes the county's documents and hands it its
events directly — the HTTP path is covered once, in test_kiosk_svc_e2e."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from county import operator
from county.datadir import init_county
from county.store import Store
from protocol.documents import DocumentRejected
from protocol.signing import public_key_from_text
from sync.feed_store import FeedStore
from sync.outbox import Outbox

KIOSK = "ve-330226100201-kiosk1"
NOW = datetime(2024, 6, 7, 10, 30)  # a Friday


@pytest.fixture
def county_dir(tmp_path: Path) -> Path:
    return init_county(tmp_path / "county").root


@dataclass
class Kiosk:
    device_id: str
    state: Path
    outbox: Outbox
    feed: FeedStore
    county_dir: Path

    def pull(self) -> int:
        """Take every document the county published for this kiosk (what the agent does)."""
        taken = 0
        with Store.open(self.county_dir / "county.db") as store:
            page = store.documents_after(0, self.device_id, 10_000)
        for _, wire in page:
            try:
                self.feed.accept(wire)
                taken += 1
            except DocumentRejected as error:
                assert error.reason == "rollback", error
        return taken

    def push(self) -> int:
        """Hand every pending event to the county's store and acknowledge it."""
        events = self.outbox.pending(10_000)
        with Store.open(self.county_dir / "county.db") as store, store.transaction():
            for event in events:
                store.add_event(self.device_id, event.id, event.stream, event.created,
                                json.dumps(event.payload, ensure_ascii=False), time.time())
        self.outbox.ack([event.id for event in events])
        return len(events)

    def stored_bytes(self) -> bytes:
        """Everything the kiosk has on disk, outbox and feed, concatenated."""
        return b"".join(p.read_bytes() for p in sorted(self.state.rglob("*")) if p.is_file())


@pytest.fixture
def kiosk(tmp_path: Path, county_dir: Path) -> Iterator[Kiosk]:
    state = tmp_path / "kiosk"
    outbox = Outbox(state / "outbox")
    feed = FeedStore(state / "feed", public_key_from_text(operator.county_public_key(county_dir)),
                     KIOSK, clock=time.time)
    yield Kiosk(KIOSK, state, outbox, feed, county_dir)
    outbox.close()


def decode_qr(image: Image.Image) -> list[str]:
    return [s.data.decode() for s in decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])]


@pytest.fixture
def qr_reader() -> Callable[[Image.Image], list[str]]:
    return decode_qr
