"""Where each seal request stands, from what the county holds: which
requests count (a seal station's, identified with it), and the states the
county's answers and the station's own ledger give them. Over a real county
database, filled as the server fills it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from county.datadir import init_county
from county.request_states import (
    REQUEST_CLOSED,
    REQUEST_OPENED,
    SESSION_ENDINGS,
    SESSION_OPENED,
    STAMP,
    RequestState,
    read_station_ledger,
    request_report,
)
from county.store import SealAnswer, Store
from protocol.ledger_chain import GENESIS, record_hash
from seal_controller import procedure

NOW = 1_714_550_000.0
STATION, OTHER, KIOSK = "ve-330226100201-seal1", "ve-330226100202-seal1", "ve-330226100201-k1"
_ids = itertools.count(1)


class County:
    """A county database, written the way the server writes it."""

    def __init__(self, root: Path) -> None:
        self.database = init_county(root).database
        self.enroll(STATION, "seal")
        self.enroll(OTHER, "all")
        self.enroll(KIOSK, "kiosk")

    def enroll(self, device_id: str, role: str) -> None:
        with Store.open(self.database) as store, store.transaction():
            store.enroll_device(device_id, "k", role, "330226100201", NOW)

    def post(self, device_id: str, stream: str, payload: dict[str, Any], *,
             created: float = NOW, received: float = NOW) -> None:
        import json

        with Store.open(self.database) as store, store.transaction():
            assert store.add_event(device_id, f"e{next(_ids)}", stream, created,
                                   json.dumps(payload, ensure_ascii=False), received)

    def request(self, device_id: str, req: str, received: float = NOW, **fields: Any) -> None:
        payload = {"req": req, "slot": "committee", "matter": "出具证明", "uses": 2,
                   "doc": None, "blobs": []} | fields
        self.post(device_id, "seal.request", payload, received=received)

    def answer(self, device_id: str, req: str, answer: str = "approved", *,
               expires: float = NOW + 600, aid: str = "A-000000000001") -> None:
        with Store.open(self.database) as store, store.transaction():
            assert store.add_seal_answer(SealAnswer(
                device_id, req, answer, aid, "committee", 2 if answer == "approved" else None,
                expires if answer == "approved" else None, "town.approver",
                "材料不全" if answer == "refused" else None, None, NOW, NOW))

    def ledger(self, device_id: str, *records: tuple[str, dict[str, Any]]) -> None:
        prev = GENESIS
        for seq, (kind, fields) in enumerate(records, start=1):
            record: dict[str, Any] = {"seq": seq, "prev": prev, "at": NOW + seq, "kind": kind,
                                      **fields}
            record["hash"] = prev = record_hash(record)
            self.post(device_id, "seal.ledger", record)

    def states(self, now: float = NOW) -> dict[tuple[str, str], RequestState]:
        with Store.open(self.database) as store:
            report = request_report(store, now)
        return {s.request.key: s.state for s in report.statuses}


@pytest.fixture
def county(data_dir: Path) -> County:
    return County(data_dir)


def test_the_county_reads_the_ledger_with_the_kinds_the_station_writes() -> None:
    assert REQUEST_OPENED == procedure.REQUEST_OPENED
    assert REQUEST_CLOSED == procedure.REQUEST_CLOSED
    assert SESSION_OPENED == procedure.SESSION_OPENED
    assert SESSION_ENDINGS == procedure.SESSION_ENDINGS
    assert STAMP in {procedure.ledger_kind(rule) for rule in procedure.TABLE.values()}


def test_a_request_is_a_station_and_its_id(county: County) -> None:
    county.request(STATION, "R1-aaaa")
    county.request(OTHER, "R1-aaaa", received=NOW + 5)
    county.answer(STATION, "R1-aaaa")
    assert county.states() == {(STATION, "R1-aaaa"): RequestState.APPROVED,
                               (OTHER, "R1-aaaa"): RequestState.OPEN}


def test_only_a_seal_station_files_a_request_and_others_are_counted(county: County) -> None:
    county.request(STATION, "R1-aaaa")
    county.request(KIOSK, "R1-aaaa", received=NOW + 60)  # newer: it used to win
    county.request(KIOSK, "R2-bbbb")
    county.post(STATION, "seal.request", {"req": "no spaces allowed", "slot": "committee",
                                          "uses": 1})
    county.post(STATION, "seal.request", {"req": "R3-cccc", "slot": "committee", "uses": 0})
    with Store.open(county.database) as store:
        report = request_report(store, NOW)
    assert [s.request.key for s in report.statuses] == [(STATION, "R1-aaaa")]
    assert report.filed.foreign == {KIOSK: 2}
    assert report.filed.foreign_from("R1-aaaa") == [KIOSK]
    assert report.filed.malformed == {STATION: 2}


def test_a_request_sent_again_keeps_its_first_content(county: County) -> None:
    county.request(STATION, "R1-aaaa", uses=2)
    county.request(STATION, "R1-aaaa", uses=50, received=NOW + 1)
    with Store.open(county.database) as store:
        [status] = request_report(store, NOW).statuses
    assert status.request.uses == 2


def test_every_state_a_request_can_be_in(county: County) -> None:
    for req in ("R1-open", "R2-apprv", "R3-inuse", "R4-used", "R5-expd", "R6-refd", "R7-cncl"):
        county.request(STATION, req)
    county.answer(STATION, "R2-apprv", aid="A-000000000002")
    county.answer(STATION, "R3-inuse", aid="A-000000000003")
    county.answer(STATION, "R4-used", aid="A-000000000004")
    county.answer(STATION, "R5-expd", aid="A-000000000005", expires=NOW - 1)
    county.answer(STATION, "R6-refd", "refused", aid="F-000000000006")
    county.ledger(
        STATION,
        ("requested", {"req": "R4-used", "slot": "committee", "uses": 2}),
        ("approved", {"aid": "A-000000000004", "req": "R4-used", "slot": "committee",
                      "uses": 2}),
        ("stamp", {"aid": "A-000000000004", "slot": "committee", "n": 1, "remaining": 1}),
        ("stamp", {"aid": "A-000000000004", "slot": "committee", "n": 2, "remaining": 0}),
        ("used_up", {"aid": "A-000000000004", "slot": "committee", "remaining": 0}),
        ("seal_returned", {"slot": "committee"}),
        ("requested", {"req": "R7-cncl", "slot": "committee", "uses": 2}),
        ("cancelled", {}),
        ("requested", {"req": "R3-inuse", "slot": "committee", "uses": 2}),
        ("approved", {"aid": "A-000000000003", "req": "R3-inuse", "slot": "committee",
                      "uses": 2}),
        ("stamp", {"aid": "A-000000000003", "slot": "committee", "n": 1, "remaining": 1}),
    )
    assert county.states() == {
        (STATION, "R1-open"): RequestState.OPEN,
        (STATION, "R2-apprv"): RequestState.APPROVED,
        (STATION, "R3-inuse"): RequestState.IN_USE,
        (STATION, "R4-used"): RequestState.USED,
        (STATION, "R5-expd"): RequestState.EXPIRED,
        (STATION, "R6-refd"): RequestState.REFUSED,
        (STATION, "R7-cncl"): RequestState.CANCELLED,
    }
    assert county.states(now=NOW + 3600)[(STATION, "R2-apprv")] is RequestState.EXPIRED
    # a used approval stays used, its end passed or not
    assert county.states(now=NOW + 3600)[(STATION, "R4-used")] is RequestState.USED


def test_a_session_a_power_cut_interrupted_is_used(county: County) -> None:
    county.request(STATION, "R1-aaaa")
    county.answer(STATION, "R1-aaaa", aid="A-000000000001")
    county.ledger(
        STATION,
        ("requested", {"req": "R1-aaaa", "slot": "committee", "uses": 2}),
        ("approved", {"aid": "A-000000000001", "req": "R1-aaaa", "slot": "committee",
                      "uses": 2}),
        ("interrupted", {"aid": "A-000000000001", "slot": "committee"}),
    )
    assert county.states()[(STATION, "R1-aaaa")] is RequestState.USED


def test_the_ledger_is_read_in_seq_order_whatever_order_it_arrived_in() -> None:
    records = [
        {"seq": 3, "kind": "stamp", "aid": "A-1"},
        {"seq": 1, "kind": "requested", "req": "R1-a"},
        {"seq": 4, "kind": "used_up", "aid": "A-1"},
        {"seq": 2, "kind": "approved", "aid": "A-1", "req": "R1-a", "uses": 1},
        {"seq": 3, "kind": "stamp", "aid": "A-1"},  # sent twice
        {"seq": "x", "kind": "stamp", "aid": "A-1"},
        "not a record",
    ]
    ledger = read_station_ledger(records)
    session = ledger.sessions["A-1"]
    assert (session.req, session.uses, session.stamps, session.ended) == ("R1-a", 1, 1,
                                                                          "used_up")
