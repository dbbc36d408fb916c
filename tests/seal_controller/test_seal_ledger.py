"""The ledger on disk: a torn last write is told from every other damage,
records missing behind the high-water or forwarding mark are damage, a
damaged file is set aside and a new segment goes on from the newest record
known, and a failed append leaves no half record behind."""

from __future__ import annotations

import errno
import json
import os
import random
import time
from pathlib import Path

import pytest

from durable.records import MAGIC, frame
from protocol.ledger_chain import check_chain
from seal_controller.ledger import (
    Ledger,
    LedgerError,
    LedgerForwarder,
    set_aside_files,
    verify_ledger,
)
from seal_controller.ledger_check import read_ledger
from seal_controller.ledger_damage import damage_ledger
from sync.outbox import Syscalls


def written(state: Path, kinds: list[str]) -> Ledger:
    ledger = Ledger(state / "ledger", time.time)
    for kind in kinds:
        ledger.append(kind, slot="party")
    return ledger


SESSION = ["started", "requested", "approved", "stamp", "used_up", "started"]


def reopen(state: Path) -> Ledger:
    return Ledger(state / "ledger", time.time)


def test_a_torn_last_write_is_cut_and_the_chain_goes_on(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    damage_ledger(tmp_path / "ledger", "torn")
    with reopen(tmp_path) as ledger:
        assert ledger.damage is None
        assert (tmp_path / "ledger" / "ledger.torn").exists()
        ledger.append("started")
        assert check_chain(ledger.records).ok and ledger.head_seq == len(SESSION) + 1
    assert verify_ledger(tmp_path / "ledger").damage is None


@pytest.mark.parametrize(("kind", "what"), [
    ("flip", "bad_record"), ("cut", "missing"), ("garbage", "not_a_record"), ("edit", "chain"),
])
def test_every_other_damage_is_damage(tmp_path: Path, kind: str, what: str) -> None:
    written(tmp_path, SESSION).close()
    damage_ledger(tmp_path / "ledger", kind)
    with reopen(tmp_path) as ledger:
        assert ledger.damage is not None and ledger.damage.kind == what
        approved = 3  # the record whose loss would give the approval back
        first_bad = ledger.damage.first_bad_seq
        assert first_bad is not None and first_bad <= (approved if kind != "garbage" else 7)
        with pytest.raises(LedgerError, match="damaged"):
            ledger.append("started")


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_are_never_a_ledger(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "ledger.log"
    path.write_bytes(random.Random(seed).randbytes(500))
    assert read_ledger(path).damage is not None


def test_a_whole_frame_that_fails_its_checksum_is_never_a_torn_write(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    path = tmp_path / "ledger" / "ledger.log"
    whole = bytearray(frame(json.dumps({"seq": 7, "kind": "approved"}).encode()))
    whole[-3] ^= 0x01  # a finished last record, one bit changed
    path.write_bytes(path.read_bytes() + bytes(whole))
    reading = read_ledger(path)
    assert reading.damage is not None and reading.torn_bytes == 0
    assert reading.damage.first_bad_seq == 7


def test_the_high_water_mark_catches_records_cut_at_a_boundary(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    mark = json.loads((tmp_path / "ledger-mark").read_text())
    assert mark["seq"] == len(SESSION)
    damage_ledger(tmp_path / "ledger", "cut", seq=len(SESSION))  # only the last record gone
    with reopen(tmp_path) as ledger:
        assert ledger.damage is not None and ledger.damage.kind == "missing"
        assert "high-water mark" in ledger.damage.detail


def test_a_ledger_one_record_ahead_of_its_mark_is_fine(tmp_path: Path) -> None:
    ledger = written(tmp_path, SESSION[:-1])
    before = (tmp_path / "ledger-mark").read_bytes()
    ledger.append("started")  # a power cut between this append and its mark:
    ledger.close()
    (tmp_path / "ledger-mark").write_bytes(before)
    with reopen(tmp_path) as again:
        assert again.damage is None and again.head_seq == len(SESSION)


def test_a_record_at_the_mark_with_another_hash_is_damage(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    path = tmp_path / "ledger-mark"
    mark = json.loads(path.read_text())
    path.write_text(json.dumps({"seq": mark["seq"], "hash": "f" * 64}))
    with reopen(tmp_path) as ledger:
        assert ledger.damage is not None and ledger.damage.kind == "mark_mismatch"


def test_an_unreadable_mark_is_damage_a_missing_one_is_not(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    path = tmp_path / "ledger-mark"
    path.write_text("not a mark")
    assert reopen(tmp_path).damage is not None
    path.unlink()
    with reopen(tmp_path) as ledger:
        assert ledger.damage is None


def test_the_forwarding_mark_catches_records_cut_when_the_mark_is_gone(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    (tmp_path / "ledger" / "forwarded").write_text(f"{len(SESSION)}\n")
    (tmp_path / "ledger-mark").unlink()
    damage_ledger(tmp_path / "ledger", "cut")
    with reopen(tmp_path) as ledger:
        assert ledger.damage is not None and "forwarding mark" in ledger.damage.detail


def test_a_damaged_file_is_set_aside_and_a_new_segment_goes_on(tmp_path: Path) -> None:
    old = written(tmp_path, SESSION)
    forwarded = list(old.records)
    old.close()
    damage_ledger(tmp_path / "ledger", "flip", seq=2)
    with reopen(tmp_path) as ledger:
        first = ledger.start_segment("alarm_ledger_damaged")
        assert first["seq"] == len(SESSION) + 1  # after the newest record known (the mark)
        assert first["prev"] == forwarded[-1]["hash"]
        assert first["first_bad_seq"] == 2 and first["set_aside"] == "damaged-1.log"
        ledger.append("started")
    assert [p.name for p in set_aside_files(tmp_path / "ledger")] == ["damaged-1.log"]
    assert verify_ledger(tmp_path / "ledger").damage is None  # the new segment verifies alone
    with reopen(tmp_path) as ledger:
        # the county, holding what was forwarded before, sees one unbroken chain
        assert check_chain(forwarded + ledger.records).ok


def test_records_verified_before_the_damage_but_not_forwarded_still_go(tmp_path: Path) -> None:
    """The outbox took nothing for a while (records waited in the ledger),
    then the last record was damaged: the ones before it verified and still
    reach the outbox, before the new segment's."""
    old = written(tmp_path, SESSION)
    sent: list[dict[str, object]] = []
    LedgerForwarder(old, lambda stream, record: sent.append(record)).forward()
    old.append("stamp", slot="party")  # the outbox failing: these wait in the ledger
    old.append("stamp", slot="party")
    old.append("used_up", slot="party")
    verified = [r for r in old.records if r["seq"] > len(SESSION)][:-1]
    old.close()
    damage_ledger(tmp_path / "ledger", "flip", seq=len(SESSION) + 3)
    with reopen(tmp_path) as ledger:
        record = ledger.start_segment("alarm_ledger_damaged")
        LedgerForwarder(ledger, lambda stream, r: sent.append(r)).forward()
        assert [r["seq"] for r in sent[len(SESSION):]] == [
            *(r["seq"] for r in verified), record["seq"]]
        assert [r["hash"] for r in sent[len(SESSION):-1]] == [r["hash"] for r in verified]
        assert ledger.carried == []
        report = check_chain(sent)  # the county sees exactly the record that was lost
        assert report.first_bad_seq == len(SESSION) + 3, report


class HalfThenFail(Syscalls):
    """A card that fills up in the middle of a write."""

    def __init__(self) -> None:
        self.fail = False

    def write(self, fd: int, data: bytes) -> int:
        if self.fail:
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(fd, data)


def test_a_failed_append_leaves_no_half_record(tmp_path: Path) -> None:
    card = HalfThenFail()
    ledger = Ledger(tmp_path / "ledger", time.time, syscalls=card)
    ledger.append("started")
    card.fail = True
    with pytest.raises(LedgerError, match="No space left"):
        ledger.append("requested")
    card.fail = False
    ledger.append("requested")  # the card has room again: the chain goes on whole
    ledger.close()
    reading = verify_ledger(tmp_path / "ledger")
    assert reading.damage is None and reading.torn_bytes == 0
    assert [r["kind"] for r in reading.records] == ["started", "requested"]


def test_the_damage_kinds_spoil_what_they_say(tmp_path: Path) -> None:
    written(tmp_path, SESSION).close()
    data = (tmp_path / "ledger" / "ledger.log").read_bytes()
    assert data.startswith(MAGIC)
    with pytest.raises(ValueError, match="kind must be one of"):
        damage_ledger(tmp_path / "ledger", "melt")
    with pytest.raises(ValueError, match="no record 99"):
        damage_ledger(tmp_path / "ledger", "flip", seq=99)
