"""The alarm reserve: an alarm event is stored when the outbox's quota is
reached and when the disk is full, in space set aside for it, which comes
back when space returns. On a real small filesystem and through the
outbox's ``Syscalls`` seam."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sync.outbox import (
    ALARM_RESERVE,
    ALARM_RESERVE_BYTES,
    Outbox,
    OutboxFullError,
    Syscalls,
)

PAD = "村" * 100  # about 300 bytes a record


def alarm(n: int) -> dict[str, object]:
    return {"code": "forced_press", "text": "有人强行按压印章", "n": n, "blobs": []}


def fill_disk(directory: Path) -> Path:
    """A file taking every free byte of *directory*'s filesystem."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, bytes(4096))
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_an_alarm_is_stored_past_the_quota_and_the_reserve_is_bounded(tmp_path: Path) -> None:
    quota = 48 * 1024
    with Outbox(tmp_path / "o", quota_bytes=quota, segment_bytes=4096) as box:
        with pytest.raises(OutboxFullError, match="outbox full"):
            for n in range(10_000):
                box.append("seal.ledger", {"n": n, "pad": PAD})
        raised: list[str] = []
        with pytest.raises(OutboxFullError, match="outbox full"):  # a flood cannot fill the card
            for n in range(10_000):
                raised.append(box.append("alarm", alarm(n)))
        assert len(raised) > 100
        assert [e.id for e in box.pending(10_000) if e.stream == "alarm"][-len(raised):] == raised
        assert quota < box.stats().used_bytes <= quota + ALARM_RESERVE_BYTES
        with pytest.raises(OutboxFullError):
            box.append("complaint", {"text": "路灯坏了"})


class FullDisk(Syscalls):
    """A disk with no space but what the alarm reserve holds: every write
    fails with ENOSPC until that file is given up."""

    def __init__(self, outbox: Path) -> None:
        self.reserve = outbox / ALARM_RESERVE

    def write(self, fd: int, data: bytes) -> int:
        if self.reserve.exists():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(fd, data)


def test_a_full_disk_gives_up_the_alarm_reserve_for_an_alarm_only(tmp_path: Path) -> None:
    directory = tmp_path / "o"
    with Outbox(directory) as box:
        kept = box.append("seal.ledger", {"seq": 1})
        assert (directory / ALARM_RESERVE).stat().st_size == ALARM_RESERVE_BYTES
    with Outbox(directory, syscalls=FullDisk(directory)) as full:
        with pytest.raises(OutboxFullError, match="not stored"):
            full.append("seal.ledger", {"seq": 2})
        assert (directory / ALARM_RESERVE).exists()  # not given up for anything else
        raised = full.append("alarm", alarm(1))
        assert not (directory / ALARM_RESERVE).exists()
        assert [e.id for e in full.pending(10)] == [kept, raised]
    with Outbox(directory) as box:  # space has returned
        box.ack([kept, raised])
        assert (directory / ALARM_RESERVE).stat().st_size == ALARM_RESERVE_BYTES


def test_a_real_full_disk_still_stores_alarms_and_takes_the_reserve_back(
    small_disk: Path,
) -> None:
    directory = small_disk / "o"
    with Outbox(directory, segment_bytes=16 * 1024) as box:
        kept = [box.append("seal.ledger", {"seq": n, "pad": PAD}) for n in range(5)]
        filler = fill_disk(small_disk)
        with pytest.raises(OutboxFullError, match=r"disk .* is full"):
            for n in range(5, 100):  # what is left of the segment's last page, then none
                kept.append(box.append("seal.ledger", {"seq": n, "pad": PAD}))
        with pytest.raises(OutboxFullError):
            box.put_blob(os.urandom(20_000))  # a photo does not take the alarms' space
        raised = [box.append("alarm", alarm(n)) for n in range(40)]
        assert not (directory / ALARM_RESERVE).exists()
    with Outbox(directory, segment_bytes=16 * 1024) as box:  # as after a restart
        assert [e.id for e in box.pending(100)] == [*kept, *raised]
        assert box.stats().quarantined == 0
        filler.unlink()  # space returns...
        box.ack(kept)  # ...and the next acknowledgement takes the reserve back
        assert (directory / ALARM_RESERVE).stat().st_size == ALARM_RESERVE_BYTES
        box.append("seal.ledger", {"seq": 100, "pad": PAD})


def test_on_a_full_disk_acknowledgements_are_recorded_in_the_reserves(small_disk: Path) -> None:
    directory = small_disk / "o"
    with Outbox(directory, segment_bytes=8 * 1024) as box:
        stored = [box.append("complaint", {"n": n, "pad": PAD}) for n in range(60)]
        fill_disk(small_disk)
        assert box.ack(stored[:59]) == 59
        assert [e.id for e in box.pending(100)] == stored[59:]
        raised = box.append("alarm", alarm(1))  # whole segments went: room again
        assert raised in [e.id for e in box.pending(100)]
