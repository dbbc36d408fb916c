"""Every photo an event names reaches the county before the event, and leaves
the device only once the county holds it: a stamp's photo named by its
hash-chained ledger record alone, a photo two events name, photos of events
still waiting, photos left behind by a crash. Against a real county on
loopback, through the fault-injecting proxy."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
from typing import Any

import pytest

from county import operator
from protocol.ledger_chain import GENESIS, record_hash
from sync.agent import SyncSettings
from sync.client import CountyUnreachable
from tests.sync.conftest import Station
from tests.sync.fault_proxy import FaultProxy
from tests.sync.test_agent import drain


def ledger_record(seq: int, prev: str, kind: str, **fields: Any) -> dict[str, Any]:
    """A record as the station writes it: chained, never changed afterwards."""
    record: dict[str, Any] = {"seq": seq, "prev": prev, "at": 1714550000.0 + seq,
                              "kind": kind, **fields}
    record["hash"] = record_hash(record)
    return record


def county_copy(station: Station, digest: str) -> bytes | None:
    path = station.county.data_dir / "blobs" / digest
    return path.read_bytes() if path.exists() else None


def test_a_stamp_photo_named_only_by_its_ledger_record_goes_first_and_is_freed(
    station: Station,
) -> None:
    photo = os.urandom(400_000)
    digest = station.outbox.put_blob(photo)
    record = ledger_record(1, GENESIS, "stamp", aid="A-1", slot="committee", n=1,
                           remaining=1, photo=digest)
    station.outbox.append("seal.ledger", record)
    with FaultProxy(station.county.url, itertools.repeat("pass"), stall_seconds=0) as proxy:
        station.agent(proxy.url, SyncSettings(blob_chunk_bytes=150_000)).run_once()
    order = [(method, path.split("?")[0]) for method, path, _ in proxy.forwarded]
    puts = [i for i, (method, path) in enumerate(order) if method == "PUT"]
    batch = order.index(("POST", "/v1/events"))
    assert len(puts) == 3 and max(puts) < batch  # the whole photo before the record
    assert county_copy(station, digest) == photo
    assert not station.outbox.blob_path(digest).exists()  # freed on the device
    ledger = operator.stats(station.county.data_dir)["devices"]["ve-test-seal1"]["ledger"]
    assert ledger == {"ok": True, "records": 1, "first_bad_seq": None, "problem": None}


def test_a_photo_two_events_name_stays_until_both_are_acknowledged(station: Station) -> None:
    photo = os.urandom(50_000)
    digest = station.outbox.put_blob(photo)
    station.outbox.append("seal.request", {"req": "R1-a", "slot": "committee", "uses": 1,
                                           "blobs": [digest]})
    station.outbox.append("seal.ledger", ledger_record(
        1, GENESIS, "requested", req="R1-a", slot="committee", uses=1, photo=digest))
    # blob status, its one chunk, the first batch; the second batch is cut off
    script = iter(["pass", "pass", "pass", "reset"])
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, SyncSettings(batch_events=1))
        with pytest.raises(CountyUnreachable):
            agent.run_once()
    assert station.outbox.stats().pending == 1
    assert county_copy(station, digest) == photo
    assert station.outbox.blob_path(digest).read_bytes() == photo  # the ledger record waits

    drain(station, station.county.url)
    assert not station.outbox.blob_path(digest).exists()


def test_photos_of_events_still_waiting_are_never_deleted(station: Station) -> None:
    photos = [os.urandom(30_000 + n) for n in range(3)]
    digests = [station.outbox.put_blob(photo) for photo in photos]
    for n, digest in enumerate(digests):
        station.outbox.append("alarm", {"code": "forced_press", "blobs": [digest], "n": n})
    faults = itertools.cycle(["pass", "reset", "lost", "error"])
    with FaultProxy(station.county.url, faults, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, SyncSettings(batch_events=1, blob_chunk_bytes=8_000))
        for _ in range(12):
            with contextlib.suppress(CountyUnreachable):
                agent.run_once()
            waiting = {d for e in station.outbox.pending(10) for d in e.payload["blobs"]}
            assert all(station.outbox.blob_path(d).exists() for d in waiting)
    drain(station, station.county.url)
    for photo, digest in zip(photos, digests, strict=True):
        assert county_copy(station, digest) == photo
        assert not station.outbox.blob_path(digest).exists()


def test_a_photo_left_behind_by_a_crash_is_delivered_then_freed(station: Station) -> None:
    """A photo whose event was acknowledged but the agent stopped before
    deleting it, and one whose event was never stored: each reaches the
    county and is freed."""
    acknowledged, unnamed = os.urandom(20_000), os.urandom(20_001)
    first = station.outbox.put_blob(acknowledged)
    event = station.outbox.append("alarm", {"code": "lid", "blobs": [first]})
    agent = station.agent(station.county.url)
    assert agent.upload_blob(first)  # the county holds it...
    station.outbox.ack([event])  # ...and confirmed the event: then the power went
    second = station.outbox.put_blob(unnamed)
    assert sorted(station.outbox.unclaimed_blobs()) == sorted([first, second])
    with FaultProxy(station.county.url, itertools.repeat("pass"), stall_seconds=0) as proxy:
        station.agent(proxy.url).run_once()
    puts = [path for method, path, _ in proxy.forwarded if method == "PUT"]
    assert puts == [f"/v1/blobs/{second}"]  # the first is not sent again
    for photo, digest in ((acknowledged, first), (unnamed, second)):
        assert county_copy(station, digest) == photo
        assert hashlib.sha256(photo).hexdigest() == digest
        assert not station.outbox.blob_path(digest).exists()
    assert station.outbox.unclaimed_blobs() == []


def test_a_photo_is_not_freed_while_the_county_lacks_it(station: Station) -> None:
    photo = os.urandom(60_000)
    digest = station.outbox.put_blob(photo)
    station.outbox.append("seal.ledger", ledger_record(
        1, GENESIS, "stamp", aid="A-1", slot="party", n=1, remaining=0, photo=digest))
    # the status, then every chunk's answer lost after the county stored it...
    script = iter(["pass", "lost"])
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, SyncSettings(blob_chunk_bytes=20_000))
        with pytest.raises(CountyUnreachable):
            agent.run_once()
    assert station.outbox.blob_path(digest).read_bytes() == photo  # ...kept on the device
    assert station.outbox.stats().pending == 1
    drain(station, station.county.url, settings=SyncSettings(blob_chunk_bytes=20_000))
    assert county_copy(station, digest) == photo
    assert not station.outbox.blob_path(digest).exists()
