"""The seal ledger's hash chain: checked by protocol.ledger_chain and reported
per device by ``county stats``."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from protocol.canonical import canonical_json
from protocol.ledger_chain import GENESIS, check_chain
from tests.county.conftest import Device, event


def chain(length: int) -> list[dict[str, Any]]:
    """A ledger made the way the seal station makes it (the rule, restated)."""
    records, prev = [], GENESIS
    for seq in range(1, length + 1):
        record: dict[str, Any] = {"seq": seq, "prev": prev, "slot": seq % 3, "action": "opened"}
        record["hash"] = hashlib.sha256(canonical_json(record)).hexdigest()
        records.append(record)
        prev = record["hash"]
    return records


def rehash(record: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in record.items() if k != "hash"}
    return body | {"hash": hashlib.sha256(canonical_json(body)).hexdigest()}


def test_a_good_chain_verifies_in_any_order() -> None:
    records = chain(6)
    random.Random(4).shuffle(records)
    report = check_chain(records)
    assert report.ok and report.records == 6 and report.first_bad_seq is None


def test_no_records_is_a_good_chain() -> None:
    assert check_chain([]).ok


def test_a_gap_is_flagged_at_the_first_missing_seq() -> None:
    records = chain(6)
    del records[2:4]  # seq 3 and 4 lost
    report = check_chain(records)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "gap" in (report.problem or "")


def test_a_chain_that_does_not_start_at_1_is_flagged() -> None:
    report = check_chain(chain(4)[1:])
    assert (report.ok, report.first_bad_seq) == (False, 1)


def test_an_edited_record_is_flagged() -> None:
    records = chain(5)
    records[2]["action"] = "closed"  # seq 3 changed, hash left as it was
    report = check_chain(records)
    assert (report.ok, report.first_bad_seq, report.records) == (False, 3, 2)
    assert "altered" in (report.problem or "")


def test_an_edited_and_rehashed_record_breaks_the_next_link() -> None:
    records = chain(5)
    records[2] = rehash(records[2] | {"action": "closed"})
    report = check_chain(records)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "prev mismatch" in (report.problem or "")


def test_a_first_record_must_follow_the_zero_hash() -> None:
    records = chain(2)
    records[0] = rehash(records[0] | {"prev": "f" * 64})
    assert check_chain(records).first_bad_seq == 1


def test_a_record_sent_twice_is_harmless_but_two_versions_of_one_are_not() -> None:
    records = chain(3)
    assert check_chain([*records, records[1]]).ok
    forked = rehash(records[1] | {"action": "closed"})
    report = check_chain([*records, forked])
    assert (report.ok, report.first_bad_seq) == (False, 2)


def test_records_without_seq_prev_or_hash_are_flagged() -> None:
    assert not check_chain([{"prev": GENESIS}]).ok
    report = check_chain([{"seq": 1, "prev": GENESIS}])
    assert (report.ok, report.first_bad_seq) == (False, 1)


def test_stats_report_each_devices_chain(device: Device, stats) -> None:
    good = chain(4)
    device.post_events([event(f"l{r['seq']}", "seal.ledger", **r) for r in good]
                       + [event("v1", "kiosk.view")])
    ledger = stats()["devices"][device.device_id]["ledger"]
    assert ledger == {"ok": True, "records": 4, "first_bad_seq": None, "problem": None}

    # seq 5 doctored (and rehashed); seq 6 still points to the real seq 5
    tampered = rehash(chain(6)[4] | {"slot": 99})
    device.post_events([event("l5", "seal.ledger", **tampered),
                        event("l6", "seal.ledger", **chain(6)[5])])
    ledger = stats()["devices"][device.device_id]["ledger"]
    assert (ledger["ok"], ledger["first_bad_seq"]) == (False, 6)


def test_devices_without_a_ledger_report_none(device: Device, stats) -> None:
    device.post_events([event("v1", "kiosk.view")])
    assert stats()["devices"][device.device_id]["ledger"] is None
