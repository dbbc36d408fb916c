"""A full disk and a failing disk: telemetry goes first, critical events are
never dropped, and no append returns unless its event is stored."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from sync.outbox import Outbox, OutboxFullError, OutboxWriteError, Syscalls

QUOTA = 64 * 1024
PAD = "村" * 100  # about 300 bytes a record


def test_telemetry_is_dropped_oldest_first_and_counted(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o", quota_bytes=QUOTA, segment_bytes=4096) as box:
        for n in range(600):
            box.append("heartbeat", {"n": n, "pad": PAD})
        stats = box.stats()
        assert stats.dropped > 0
        assert stats.used_bytes <= QUOTA
        heartbeats = [e.payload["n"] for e in box.pending(10_000) if e.stream == "heartbeat"]
        assert heartbeats[-1] == 599  # the newest kept
        assert heartbeats == list(range(heartbeats[0], 600))  # the oldest went first
        assert stats.dropped + len(heartbeats) == 600  # every drop counted


def test_critical_events_are_never_dropped_and_a_full_outbox_says_so(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o", quota_bytes=QUOTA, segment_bytes=4096) as box:
        for n in range(40):
            box.append("heartbeat", {"n": n, "pad": PAD})
        stored = []
        with pytest.raises(OutboxFullError, match=r"outbox full.*restore the link to the county"):
            for n in range(10_000):
                stored.append(box.append("seal.ledger", {"n": n, "pad": PAD}))
        ledger = [e.id for e in box.pending(10_000) if e.stream == "seal.ledger"]
        assert ledger == stored  # every critical event that returned is there
        alarms = [e for e in box.pending(10_000) if e.stream == "alarm"]
        assert len(alarms) == 1 and alarms[0].payload["kind"] == "outbox_quota"
        assert alarms[0].payload["used_percent"] >= 80
        assert not [e for e in box.pending(10_000) if e.stream == "heartbeat"]  # made room
        box.ack(stored[:100])  # the county took some: there is room again
        box.append("seal.ledger", {"n": "after"})


class FailingSyscalls(Syscalls):
    def __init__(self, fail: str, code: int) -> None:
        self.fail, self.code = fail, code

    def write(self, fd: int, data: bytes) -> int:
        if self.fail == "short-write":
            return os.write(fd, data[: len(data) // 2])
        return super().write(fd, data)

    def fsync(self, fd: int) -> None:
        if self.fail == "fsync":
            raise OSError(self.code, os.strerror(self.code))
        super().fsync(fd)


@pytest.mark.parametrize(
    ("fail", "code", "error"),
    [("fsync", errno.EIO, OutboxWriteError), ("short-write", errno.ENOSPC, OutboxFullError)],
)
def test_a_failed_write_is_reported_and_leaves_nothing_behind(
    tmp_path: Path, fail: str, code: int, error: type[Exception]
) -> None:
    with Outbox(tmp_path / "o") as box:
        kept = box.append("complaint", {"n": 1})
    with (
        Outbox(tmp_path / "o", syscalls=FailingSyscalls(fail, code)) as failing,
        pytest.raises(error, match="not stored"),
    ):
        failing.append("complaint", {"n": 2})
    with Outbox(tmp_path / "o") as box:
        assert [e.id for e in box.pending(10)] == [kept]
        assert box.stats().quarantined == 0  # the half record was taken back
        box.append("complaint", {"n": 3})


def test_a_real_full_disk_refuses_appends_and_keeps_what_was_stored(small_disk: Path) -> None:
    with Outbox(small_disk / "o", segment_bytes=16 * 1024) as box:
        stored = []
        with pytest.raises(OutboxFullError, match=r"disk .* is full"):
            for n in range(10_000):
                stored.append(box.append("whistle", {"n": n, "pad": PAD}))
        assert len(stored) > 100
    with Outbox(small_disk / "o", segment_bytes=16 * 1024) as box:
        assert [e.id for e in box.pending(100_000)] == stored
        assert box.stats().quarantined == 0
        box.ack(stored)  # the county took everything: segments go, room comes back
        box.append("whistle", {"n": "after"})


def test_a_read_only_disk_still_gives_up_its_events(small_disk: Path) -> None:
    with Outbox(small_disk / "o") as box:
        stored = [box.append("seal.ledger", {"n": n}) for n in range(20)]
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with Outbox(small_disk / "o") as box:
        assert [e.id for e in box.pending(100)] == stored
        with pytest.raises(OutboxWriteError, match="not stored"):
            box.append("seal.ledger", {"n": 21})
        with pytest.raises(OutboxWriteError, match="acknowledgements"):
            box.ack(stored[:1])
