"""The outbox: durable appends, order, acknowledgement, recovery from torn and
corrupt records, and several processes at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sync.event_ids import ID_PATTERN, EventIdSource, id_time
from sync.outbox import Outbox, PayloadError
from tests.conftest import REPO


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(tmp_path / "outbox", segment_bytes=4096)
    yield box
    box.close()


def test_events_come_back_oldest_first_until_acknowledged(outbox: Outbox) -> None:
    ids = [outbox.append("complaint", {"n": n}) for n in range(10)]
    assert [e.id for e in outbox.pending(100)] == ids
    assert [e.payload["n"] for e in outbox.pending(3)] == [0, 1, 2]
    assert outbox.ack(ids[:4]) == 4
    assert [e.payload["n"] for e in outbox.pending(100)] == [4, 5, 6, 7, 8, 9]
    assert outbox.ack(ids[:4]) == 0  # acknowledging twice changes nothing
    assert outbox.stats().pending == 6


def test_lanes_merge_by_time_and_keep_each_streams_order(outbox: Outbox) -> None:
    for n in range(6):
        outbox.append("heartbeat" if n % 2 else "seal.ledger", {"n": n})
    events = outbox.pending(10)
    assert [e.payload["n"] for e in events] == [0, 1, 2, 3, 4, 5]
    assert [e.stream for e in events][:2] == ["seal.ledger", "heartbeat"]


def test_events_survive_reopening(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as first:
        ids = [first.append("complaint", {"text": "路灯坏了", "n": n}) for n in range(50)]
        first.ack(ids[:10])
    with Outbox(tmp_path / "o") as second:
        pending = second.pending(100)
        assert [e.id for e in pending] == ids[10:]
        assert pending[0].payload == {"text": "路灯坏了", "n": 10}


def test_fully_acknowledged_segments_are_deleted(outbox: Outbox) -> None:
    ids = [outbox.append("complaint", {"pad": "x" * 200}) for _ in range(100)]
    segments = outbox.directory / "critical"
    before = len(list(segments.iterdir()))
    assert before > 3
    outbox.ack(ids)
    assert len(list(segments.iterdir())) == 1  # only the segment being written
    assert outbox.stats().pending == 0


def test_ids_sort_by_time_and_are_unique() -> None:
    source = EventIdSource()
    ids = [source.new_id(1_700_000_000.0) for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert ids == sorted(ids)
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert id_time(ids[0]) == pytest.approx(1_700_000_000.0)
    other = EventIdSource()
    assert other.new_id(1_700_000_001.0) > ids[-1]


def test_bad_payloads_are_refused_and_nothing_is_stored(outbox: Outbox) -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        outbox.append("complaint", {"when": object()})
    with pytest.raises(PayloadError, match="JSON object"):
        outbox.append("complaint", ["a list"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stream name"):
        outbox.append("Bad Stream", {})
    assert outbox.stats().pending == 0


def _segment(outbox: Outbox) -> Path:
    return sorted((outbox.directory / "critical").iterdir())[0]


def test_a_torn_last_record_is_quarantined_and_the_rest_recovered(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        ids = [box.append("complaint", {"n": n}) for n in range(5)]
        segment = _segment(box)
    data = segment.read_bytes()
    segment.write_bytes(data[:-7])  # a power cut in the middle of the last write
    with Outbox(tmp_path / "o") as box:
        assert [e.id for e in box.pending(10)] == ids[:4]
        stats = box.stats()
        assert stats.quarantined == 1
        new = box.append("complaint", {"n": 5})  # writing goes on after the torn bytes
        assert [e.id for e in box.pending(10)] == [*ids[:4], new]
    with Outbox(tmp_path / "o") as box:  # and a fresh reader agrees
        assert [e.id for e in box.pending(10)] == [*ids[:4], new]
        assert box.stats().quarantined == 1
    bad = list((tmp_path / "o/quarantine").glob("*.bad"))
    assert len(bad) == 1 and bad[0].stat().st_size > 0


def test_flipped_bytes_quarantine_one_record_only(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        ids = [box.append("complaint", {"n": n, "text": "集体资产处置"}) for n in range(6)]
        segment = _segment(box)
    data = bytearray(segment.read_bytes())
    middle = data.index(b'"n":2')
    data[middle + 4] ^= 0x01  # one bit rots on the SD card
    segment.write_bytes(bytes(data))
    with Outbox(tmp_path / "o") as box:
        assert [e.id for e in box.pending(10)] == [i for k, i in enumerate(ids) if k != 2]
        assert box.stats().quarantined == 1


def test_garbage_instead_of_an_outbox_does_not_stop_start_up(tmp_path: Path) -> None:
    critical = tmp_path / "o/critical"
    critical.mkdir(parents=True)
    (critical / "seg-00000001.log").write_bytes(b"\x00" * 100 + b"not records at all")
    with Outbox(tmp_path / "o") as box:
        assert box.pending(10) == []
        assert box.stats().quarantined == 1
        event = box.append("complaint", {"ok": True})
        assert [e.id for e in box.pending(10)] == [event]


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(REPO / "tests/programs/outbox_writer.py"), *args],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)


def test_several_processes_append_and_ack_at_once(tmp_path: Path) -> None:
    directory = str(tmp_path / "o")
    Outbox(Path(directory)).close()
    writers = [_run(directory, "append", stream, "300")
               for stream in ("complaint", "seal.ledger", "heartbeat", "service")]
    acker = _run(directory, "ack")
    outputs = [w.communicate(timeout=120)[0].split() for w in writers]
    acked_first = acker.communicate(timeout=120)[0].split()
    assert all(w.returncode == 0 for w in writers) and acker.returncode == 0
    acked_last = _run(directory, "ack").communicate(timeout=120)[0].split()
    appended = [i for out in outputs for i in out]
    assert len(appended) == 1200 and len(set(appended)) == 1200
    acked = acked_first + acked_last
    assert sorted(acked) == sorted(appended)  # every event delivered exactly once
    with Outbox(Path(directory)) as box:
        stats = box.stats()
        assert stats.pending == 0 and stats.quarantined == 0


def test_each_stream_keeps_its_order_across_processes(tmp_path: Path) -> None:
    directory = str(tmp_path / "o")
    Outbox(Path(directory)).close()
    writers = [_run(directory, "append", stream, "200") for stream in ("complaint", "service")]
    for writer in writers:
        writer.communicate(timeout=120)
    with Outbox(Path(directory)) as box:
        events = box.pending(1000)
    for stream in ("complaint", "service"):
        numbers = [e.payload["n"] for e in events if e.stream == stream]
        assert numbers == list(range(200))


def test_the_quarantine_report_names_the_bad_place(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        box.append("complaint", {"n": 1})
        segment = _segment(box)
    segment.write_bytes(segment.read_bytes() + b"VEr1\xff\xff")
    with Outbox(tmp_path / "o") as box:
        box.pending(1)
    notes = [p.read_text() for p in (tmp_path / "o/quarantine").glob("*.txt")]
    assert notes and "torn write" in notes[0] and "critical-00000001" in notes[0]
