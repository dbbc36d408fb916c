"""Fixtures for the sync tests: a real county on loopback, an enrolled device
with its outbox, feed store and agent."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from county import operator
from county.datadir import existing_county
from county.server import CountyServer
from county.store import Store
from protocol.signing import public_key_from_text
from sync.agent import SyncAgent, SyncSettings
from sync.client import CountyClient
from sync.enrollment import enroll
from sync.feed_store import FeedStore
from sync.identity import load_or_create_device_key
from sync.outbox import Outbox
from tests.county.conftest import ENGINES, use_engine

DEVICE = "ve-test-seal1"
VILLAGE = "330226100201"


@pytest.fixture(params=ENGINES)
def county(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CountyServer]:
    """A county on loopback, on each database engine in turn."""
    with CountyServer(use_engine(request, tmp_path / "county")) as server:
        yield server


@dataclass
class Station:
    """One enrolled device talking to *url* (the county, or a proxy to it)."""

    state: Path
    county: CountyServer
    outbox: Outbox
    feed: FeedStore

    def agent(self, url: str, settings: SyncSettings | None = None,
              timeout: tuple[float, float] = (2.0, 5.0)) -> SyncAgent:
        key = load_or_create_device_key(self.state / "device.key")
        client = CountyClient(url, DEVICE, key, self.county.public_key, timeout=timeout)
        return SyncAgent(self.outbox, client, self.feed, self.state / "status.json",
                         settings or SyncSettings(batch_events=50))

    def stored_ids(self) -> list[str]:
        """The ids of the events the county stored, in the order it received them."""
        with Store.open(existing_county(self.county.data_dir).database) as store:
            return [event_id for event_id, _, _ in store.device_events(DEVICE)]


@pytest.fixture
def station(tmp_path: Path, county: CountyServer) -> Iterator[Station]:
    state = tmp_path / "device"
    key = load_or_create_device_key(state / "device.key")
    code = operator.make_enroll_code(county.data_dir, DEVICE)
    client = CountyClient(county.url, DEVICE, key, county.public_key)
    enroll(client, code=code, role="seal", village_code=VILLAGE,
           pinned_key=county.public_key, path=state / "enrollment.json")
    client.close()
    outbox = Outbox(state / "outbox")
    feed = FeedStore(state / "feed", public_key_from_text(county.public_key), DEVICE,
                     clock=time.time)
    yield Station(state, county, outbox, feed)
    outbox.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB filesystem (tmpfs), as a nearly full SD card."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"mounting a small tmpfs needs root: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)
