"""The ledger chain rule, checked from the start or from any record on."""

from __future__ import annotations

from typing import Any

from protocol.ledger_chain import GENESIS, check_chain, record_hash


def chain(count: int, start: int = 1, prev: str = GENESIS) -> list[dict[str, Any]]:
    records = []
    for seq in range(start, start + count):
        record: dict[str, Any] = {"seq": seq, "prev": prev, "kind": "stamp"}
        record["hash"] = record_hash(record)
        prev = record["hash"]
        records.append(record)
    return records


def test_a_whole_chain_verifies() -> None:
    report = check_chain(chain(5))
    assert report.ok and report.records == 5


def test_a_part_of_a_chain_verifies_from_its_own_start() -> None:
    records = chain(8)
    tail = records[5:]
    assert not check_chain(tail).ok  # from the start it lacks records 1 to 5
    assert check_chain(tail, start=(6, records[4]["hash"])).ok


def test_a_part_that_does_not_follow_its_start_is_broken() -> None:
    records = chain(8)
    report = check_chain(records[5:], start=(6, records[3]["hash"]))
    assert not report.ok and report.first_bad_seq == 6 and "prev mismatch" in str(report.problem)
