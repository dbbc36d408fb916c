"""The sync agent against a real county on loopback, through a proxy that
resets, fails, stalls, loses answers and tampers: the county ends with exactly
the events appended, each once, and the device takes only genuine documents."""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import threading

import pytest

from county import operator
from sync.agent import SyncSettings, backoff_delay
from sync.client import CountyError, CountyUnreachable, UntrustedAnswer
from tests.conftest import wait_until
from tests.county.conftest import county_sql
from tests.sync.conftest import Station
from tests.sync.fault_proxy import FaultProxy


def fill(station: Station, count: int) -> list[str]:
    streams = ["seal.ledger", "service", "heartbeat", "alarm", "receipt"]
    return [station.outbox.append(streams[n % 5], {"n": n, "text": "村务公开"})
            for n in range(count)]


def drain(station: Station, url: str, rounds: int = 60, **agent_options) -> int:  # type: ignore[no-untyped-def]
    agent = station.agent(url, **agent_options)
    failures = 0
    for _ in range(rounds):
        try:
            agent.run_once()
        except CountyError:
            failures += 1
            continue
        if station.outbox.stats().pending == 0:
            return failures
    raise AssertionError(f"still {station.outbox.stats().pending} pending after {rounds} rounds")


def test_everything_pending_reaches_the_county_once(station: Station) -> None:
    appended = fill(station, 230)
    assert drain(station, station.county.url) == 0
    assert sorted(station.stored_ids()) == sorted(appended)
    stats = operator.stats(station.county.data_dir)
    assert stats["events_stored"] == 230 and stats["duplicates_rejected"] == 0
    status = station.agent(station.county.url).status
    assert status.events_sent == 230 and status.last_success is not None


def test_every_network_fault_still_ends_with_exactly_the_events_appended(
    station: Station,
) -> None:
    appended = fill(station, 400)
    rng = random.Random(11)
    faults = ["pass", "reset", "error", "busy", "stall", "lost"]
    script = iter([rng.choice(faults) for _ in range(200)])
    with FaultProxy(station.county.url, script, stall_seconds=2.5) as proxy:
        failures = drain(station, proxy.url, rounds=200, timeout=(1.0, 1.5))
    assert failures > 5
    assert set(proxy.seen) >= set(faults)  # every fault really happened
    stored = station.stored_ids()
    assert len(stored) == len(set(stored))
    assert sorted(stored) == sorted(appended)  # nothing lost, nothing twice
    assert operator.stats(station.county.data_dir)["duplicates_rejected"] > 0  # answers lost


def test_an_interrupted_blob_upload_continues_where_it_stopped(station: Station) -> None:
    photo = os.urandom(700_000)
    digest = station.outbox.put_blob(photo)
    station.outbox.append("seal.ledger", {"seq": 1, "blobs": [digest]})
    settings = SyncSettings(blob_chunk_bytes=200_000)
    script = iter(["pass", "pass", "reset", "pass", "lost"])  # status, chunk, reset, ...
    with FaultProxy(station.county.url, script, stall_seconds=0) as proxy:
        drain(station, proxy.url, settings=settings)
    puts = [size for method, path, size in proxy.forwarded if method == "PUT"]
    # one chunk was cut off before reaching the county, one answer was lost after it;
    # nothing that reached the county was sent again
    assert sum(puts) == len(photo)
    held = station.county.data_dir / "blobs"
    kept = [p for p in held.rglob("*") if p.is_file() and p.stat().st_size == len(photo)]
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in kept] == [digest]
    assert not station.outbox.blob_path(digest).exists()  # freed on the device


def test_the_county_asking_to_wait_is_honoured(station: Station) -> None:
    fill(station, 3)
    with FaultProxy(station.county.url, iter(["busy"]), stall_seconds=0) as proxy:
        agent = station.agent(proxy.url)
        with pytest.raises(CountyUnreachable) as caught:
            agent.run_once()
    assert caught.value.retry_after == 1.0
    assert agent.delay_after(caught.value) >= 1.0
    assert agent.status.consecutive_failures == 1
    assert "429" in (agent.status.last_error or "")


def test_a_wait_of_ten_years_asked_on_the_path_does_not_stop_the_daemon(
    station: Station,
) -> None:
    """Retry-After comes unsigned: whatever it asks, the daemon waits at most
    its longest backoff, and the events still go."""
    appended = fill(station, 3)
    settings = SyncSettings(batch_events=50, backoff_base_seconds=0.05, backoff_max_seconds=0.2,
                            interval_seconds=0.05)
    stop = threading.Event()
    with FaultProxy(station.county.url, iter(["decade"]), stall_seconds=0) as proxy:
        agent = station.agent(proxy.url, settings)
        daemon = threading.Thread(target=agent.run_forever, args=(stop,), daemon=True)
        daemon.start()
        try:
            assert wait_until(lambda: len(station.stored_ids()) == 3, timeout=60)
        finally:
            stop.set()
            daemon.join(30)
    assert proxy.seen[0] == "decade"
    assert sorted(station.stored_ids()) == sorted(appended)


def test_backoff_grows_with_failures_and_is_capped() -> None:
    settings = SyncSettings(backoff_base_seconds=2, backoff_max_seconds=300)
    rng = random.Random(3)
    first = [backoff_delay(0, settings, rng) for _ in range(200)]
    tenth = [backoff_delay(10, settings, rng) for _ in range(200)]
    assert max(first) <= 2 and max(tenth) <= 300
    assert sum(tenth) / 200 > 10 * sum(first) / 200  # later waits are much longer
    assert len(set(first)) > 150  # jittered, so 500 villages do not retry in step


def test_published_documents_arrive_and_tampered_ones_are_refused(station: Station) -> None:
    data = station.county.data_dir
    operator.publish(data, "disclosure", "works-2026-11", {"title": "村道硬化工程公示"})
    operator.publish(data, "roster", "officials", {"accountant": "张会计"})
    agent = station.agent(station.county.url)
    agent.run_once()
    held = station.feed.get("disclosure", "works-2026-11")
    assert held is not None and held.document.body["title"] == "村道硬化工程公示"
    assert station.feed.generation() >= 2
    operator.publish(data, "disclosure", "works-2026-11", {"title": "改过的公示"})
    with FaultProxy(station.county.url, itertools.chain(["tamper"] * 5), stall_seconds=0) as p:
        tampered = station.agent(p.url)
        with pytest.raises(UntrustedAnswer, match="not signed by the county key"):
            tampered.run_once()
    held = station.feed.get("disclosure", "works-2026-11")
    assert held is not None and held.document.version == 1  # the good copy stays
    status = station.agent(station.county.url).status
    assert "not signed by the county key" in (status.last_error or "")
    assert station.feed.cursor() == 2  # the tampered page moved nothing


def test_a_document_altered_at_the_county_is_refused_by_its_own_signature(
    station: Station,
) -> None:
    data = station.county.data_dir
    operator.publish(data, "disclosure", "works-2026-11", {"title": "村道硬化工程公示"})
    [row] = county_sql(data, "SELECT wire FROM documents")  # altered behind the county
    county_sql(data, "UPDATE documents SET wire = ?", (row["wire"].replace("村道", "村里"),))
    station.agent(station.county.url).run_once()  # the answer itself is genuine
    assert station.feed.get("disclosure", "works-2026-11") is None
    assert station.feed.rejected["signature"] == 1
    status = station.agent(station.county.url).status
    assert status.documents_rejected.get("signature", 0) == 1


def test_a_round_with_the_county_down_fails_clearly(station: Station) -> None:
    fill(station, 2)
    agent = station.agent("http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(CountyUnreachable, match="/v1/events"):
        agent.run_once()
    assert station.outbox.stats().pending == 2  # nothing acknowledged
    assert agent.status.last_error and agent.status.consecutive_failures == 1
