"""A read-only look at the outbox (what the doctor and ``sync status`` use):
the same numbers as opening it, and not one byte or directory changed."""

from __future__ import annotations

from pathlib import Path

from sync.outbox import Outbox, peek_stats
from tests.village_edge.trees import snapshot


def test_an_outbox_that_is_not_there_is_empty_and_stays_not_there(tmp_path: Path) -> None:
    stats = peek_stats(tmp_path / "outbox", quota_bytes=1024)
    assert (stats.pending, stats.quarantined, stats.dropped, stats.used_bytes) == (0, 0, 0, 0)
    assert stats.quota_bytes == 1024
    assert list(tmp_path.iterdir()) == []


def test_the_numbers_are_those_of_the_open_outbox(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    with Outbox(directory, quota_bytes=10**6) as box:
        box.append("complaint", {"text": "垃圾清运不及时"})
        ids = [box.append("kiosk.view", {"n": n}) for n in range(20)]
        box.ack(ids[:5])
        expected = box.stats()
    before = snapshot(tmp_path)
    seen = peek_stats(directory, quota_bytes=10**6, clock=lambda: 0.0)
    assert snapshot(tmp_path) == before
    assert (seen.pending, seen.pending_bytes, seen.used_bytes, seen.quarantined) == (
        expected.pending, expected.pending_bytes, expected.used_bytes, 0)
    assert seen.pending == 16 and seen.used_percent == expected.used_percent


def test_damage_is_counted_not_quarantined(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    with Outbox(directory) as box:
        for n in range(5):
            box.append("complaint", {"n": n})
    segment = sorted((directory / "critical").iterdir())[0]
    segment.write_bytes(segment.read_bytes()[:-7])  # a power cut in the last write
    before = snapshot(tmp_path)
    seen = peek_stats(directory)
    assert snapshot(tmp_path) == before  # nothing copied to the quarantine
    assert (seen.pending, seen.quarantined) == (4, 1)
    with Outbox(directory) as box:  # the next writer keeps the bad bytes, once
        assert box.stats().quarantined == 1
    assert peek_stats(directory).quarantined == 1


def test_a_half_made_outbox_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    directory = tmp_path / "outbox"
    (directory / "critical").mkdir(parents=True)  # no bulk lane, no lock, no reserve
    before = snapshot(tmp_path)
    assert peek_stats(directory).pending == 0
    assert snapshot(tmp_path) == before
