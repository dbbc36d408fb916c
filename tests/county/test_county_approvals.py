"""Answering seal requests at a real county, as the approver does it
(``village-edge county requests / approve / refuse``): each approval bound
to the station that asked, given once, written in full before it is
published or not at all; a refusal the station can read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from county import operator
from county.approvals import ApprovalNotWritten, approve, refuse
from county.errors import CountyError
from county.server import CountyServer
from county.store import Store
from protocol.approval_token import read_token
from protocol.documents import SignedDocument
from protocol.ledger_chain import GENESIS, record_hash
from protocol.seal_refusal import read_refusal
from protocol.signing import public_key_from_text
from tests.conftest import REPO
from tests.county.conftest import Device, county_sql, enroll, to_json
from tests.village_edge.inprocess import Ran, village_edge

STATION = "ve-330226100201-seal1"


def request_event(event_id: str, req: str, *, created: float = 1714550000.5,
                  uses: int = 2) -> dict[str, Any]:
    return {"id": event_id, "stream": "seal.request", "created": created,
            "payload": {"req": req, "slot": "committee", "matter": "出具证明", "uses": uses,
                        "doc": None, "blobs": []}}


def post(device: Device, *events: dict[str, Any]) -> None:
    response = device.post_events(list(events))
    assert response.status_code == 200 and len(response.json()["accepted"]) == len(events)


def cli(data_dir: Path, *argv: str) -> Ran:
    return village_edge("county", *argv, "--data", str(data_dir))


def fails(data_dir: Path, *argv: str) -> Ran:
    ran = cli(data_dir, *argv)
    assert ran.out == "" and ran.error.startswith(f"village-edge county {argv[0]}: "), ran
    return ran


def documents_for(device: Device, kind: str = "approval") -> list[SignedDocument]:
    page = device.feed().json()
    found = [SignedDocument.from_wire(entry["signed"]) for entry in page["documents"]]
    return [d for d in found if d.document.kind == kind]


def approvals_for(device: Device, county_key: str) -> list[str]:
    """The approval ids the station's feed carries."""
    key = public_key_from_text(county_key)
    return [read_token(d.document.body["token"], key).aid for d in documents_for(device)
            if "token" in d.document.body]


@pytest.fixture
def kiosk(new_device: Callable[[str], Device], data_dir: Path) -> Device:
    made = new_device("ve-330226100201-k1")
    response = made.enroll(operator.make_enroll_code(data_dir, made.device_id, role="kiosk"),
                           role="kiosk")
    assert response.status_code == 200
    return made


def test_a_kiosk_posting_a_stations_request_id_does_not_get_its_approval(
    device: Device, kiosk: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R5-0a1b2c3d4e"))
    # the kiosk says it asked later (its own clock): newest first used to pick it
    post(kiosk, request_event("k1", "R5-0a1b2c3d4e", created=time.time() + 3600))
    listed = cli(data_dir, "requests")
    assert listed.status == 0
    assert [line.split()[:3] for line in listed.out.splitlines() if line.startswith("open")] \
        == [["open", "R5-0a1b2c3d4e", STATION]]
    assert ("IGNORED: 1 seal request(s) from ve-330226100201-k1, which is not enrolled as a "
            "seal station") in listed.out

    ran = cli(data_dir, "approve", "--request", "R5-0a1b2c3d4e", "--uses", "1",
                 "--qr", str(tmp_path))
    assert ran.status == 0, ran.err
    assert f"approved R5-0a1b2c3d4e on {STATION}" in ran.out
    assert documents_for(kiosk) == []  # nothing for the kiosk...
    [aid] = approvals_for(device, county.public_key)  # ...and one for the station
    token = read_token(documents_for(device)[0].document.body["token"],
                       public_key_from_text(county.public_key))
    assert (token.aid, token.dev, token.req, token.uses) == (aid, STATION, "R5-0a1b2c3d4e", 1)

    refused = fails(data_dir, "approve", "--request", "R5-0a1b2c3d4e", "--uses", "1",
                    "--device", kiosk.device_id, "--qr", str(tmp_path))
    assert refused.status == 65 and "not enrolled as a seal station" in refused.error
    stats = operator.stats(data_dir)["devices"][kiosk.device_id]
    assert stats["events_by_stream"] == {"seal.request": 1}  # kept as an event
    assert stats["foreign_seal_requests"] == 1
    shown = cli(data_dir, "stats").out
    assert "seal requests: 1 IGNORED: this device is enrolled as kiosk" in shown


def test_an_id_two_stations_sent_needs_the_station(
    device: Device, new_device: Callable[[str], Device], county: CountyServer,
    data_dir: Path, tmp_path: Path,
) -> None:
    other = enroll(new_device("ve-330226100202-seal1"), data_dir)
    post(device, request_event("s1", "R1-0a1b2c3d4e"))
    post(other, request_event("o1", "R1-0a1b2c3d4e"))
    ambiguous = fails(data_dir, "approve", "--request", "R1-0a1b2c3d4e", "--uses", "2",
                      "--qr", str(tmp_path))
    assert ambiguous.status == 65
    assert ambiguous.error.endswith(f"filed by 2 stations ({STATION}, {other.device_id}): "
                                    "say which with --device")
    ran = cli(data_dir, "approve", "--request", "R1-0a1b2c3d4e", "--uses", "2",
                 "--device", other.device_id, "--qr", str(tmp_path))
    assert ran.status == 0, ran.err
    assert len(approvals_for(other, county.public_key)) == 1
    assert approvals_for(device, county.public_key) == []


def test_a_request_is_approved_once_even_by_two_approvers_at_once(
    device: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R2-0a1b2c3d4e"))
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def approver(n: int) -> None:
        start.wait()
        try:
            approve(data_dir, "R2-0a1b2c3d4e", uses=2, minutes=10, approver=f"a{n}",
                    qr=tmp_path / f"qr{n}.png")
            outcomes.append("approved")
        except CountyError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=approver, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("approved") == 1, outcomes
    assert len(approvals_for(device, county.public_key)) == 1
    assert len(list(tmp_path.glob("qr*.png"))) == 1  # no QR code of an approval not issued

    again = fails(data_dir, "approve", "--request", "R2-0a1b2c3d4e", "--uses", "1",
                  "--qr", str(tmp_path))
    assert again.status == 65
    assert "was approved (A-" in again.error and "a request is answered once" in again.error
    assert len(approvals_for(device, county.public_key)) == 1


def ledger_of_a_session(req: str, aid: str) -> list[dict[str, Any]]:
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("requested", {"req": req, "slot": "committee", "uses": 2}),
        ("approved", {"aid": aid, "req": req, "slot": "committee", "uses": 1}),
        ("stamp", {"aid": aid, "slot": "committee", "n": 1, "remaining": 0}),
        ("used_up", {"aid": aid, "slot": "committee", "remaining": 0}),
    ]
    events, prev = [], GENESIS
    for seq, (kind, fields) in enumerate(kinds, start=1):
        record: dict[str, Any] = {"seq": seq, "prev": prev, "at": 1714550000.0 + seq,
                                  "kind": kind, **fields}
        record["hash"] = prev = record_hash(record)
        events.append({"id": f"l{seq}", "stream": "seal.ledger", "created": record["at"],
                       "payload": record})
    return events


def test_a_used_request_cannot_be_approved_again_and_shows_as_used(
    device: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R3-0a1b2c3d4e"))
    issued = approve(data_dir, "R3-0a1b2c3d4e", uses=1, minutes=10, approver="town")
    post(device, *ledger_of_a_session("R3-0a1b2c3d4e", issued.approval.aid))
    listed = cli(data_dir, "requests").out.splitlines()
    assert listed[0].startswith("used       R3-0a1b2c3d4e")
    assert listed[1].strip() == f"1 of 1 stamps with {issued.approval.aid}"
    again = fails(data_dir, "approve", "--request", "R3-0a1b2c3d4e", "--uses", "1",
                  "--qr", str(tmp_path))
    assert again.status == 65 and "is used: a request is answered once" in again.error


def test_a_refusal_reaches_the_station_signed_with_its_reason(
    device: Device, kiosk: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R4-0a1b2c3d4e"))
    bad = fails(data_dir, "refuse", "--request", "R4-0a1b2c3d4e", "--reason", "材料\n不全")
    assert bad.status == 65 and "write it on one line" in bad.error
    ran = cli(data_dir, "refuse", "--request", "R4-0a1b2c3d4e", "--device", STATION,
                 "--reason", "材料不全，请补齐后重新申请", "--approver", "town.approver")
    assert ran.status == 0, ran.err
    assert "its panel shows the reason" in ran.out
    [signed] = documents_for(device)
    signed.check(public_key_from_text(county.public_key), device_id=STATION,
                 now=time.time(), held_version=None)
    refusal = read_refusal(signed.document.body)
    assert refusal is not None
    assert (refusal.dev, refusal.req, refusal.slot, refusal.reason, refusal.by) == (
        STATION, "R4-0a1b2c3d4e", "committee", "材料不全，请补齐后重新申请", "town.approver")
    assert signed.document.name == refusal.document_name
    assert documents_for(kiosk) == []

    listed = cli(data_dir, "requests").out.splitlines()
    assert listed[0].startswith("refused    R4-0a1b2c3d4e")
    assert "refused by town.approver: 材料不全，请补齐后重新申请" in listed[1]
    for argv in (["approve", "--uses", "1", "--qr", str(tmp_path)], ["refuse", "--reason", "x"]):
        again = fails(data_dir, argv[0], "--request", "R4-0a1b2c3d4e", *argv[1:])
        assert again.status == 65 and "was refused by town.approver" in again.error
    assert len(documents_for(device)) == 1


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem with no space left."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                              str(mount_point)], capture_output=True, text=True)
    assert mounted.returncode == 0, f"the tests run as root: {mounted.stderr}"
    fd = os.open(mount_point / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(4096))
    except OSError:
        pass
    finally:
        os.close(fd)
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_an_approval_whose_qr_code_cannot_be_written_is_not_issued(
    device: Device, county: CountyServer, data_dir: Path, full_disk: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R6-0a1b2c3d4e"))
    ran = fails(data_dir, "approve", "--request", "R6-0a1b2c3d4e", "--uses", "2",
                "--qr", str(full_disk))
    assert ran.status == 74  # the disk is full
    assert "cannot be written (No space left on device): the approval was not issued" \
        in ran.error
    assert list(full_disk.glob("*.png")) == [] and list(full_disk.glob(".*")) == []
    assert approvals_for(device, county.public_key) == []
    assert cli(data_dir, "requests").out.startswith("open       R6-0a1b2c3d4e")

    with pytest.raises(ApprovalNotWritten):
        approve(data_dir, "R6-0a1b2c3d4e", uses=2, minutes=10, approver="t",
                qr=full_disk / "a.png")
    issued = approve(data_dir, "R6-0a1b2c3d4e", uses=2, minutes=10, approver="t",
                     qr=tmp_path / "a.png")
    assert issued.qr_path == tmp_path / "a.png" and issued.qr_path.stat().st_size > 100
    assert approvals_for(device, county.public_key) == [issued.approval.aid]


def test_an_approval_that_cannot_be_published_leaves_no_qr_code(
    device: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R7-0a1b2c3d4e"))
    refuse_documents(data_dir)  # the database refuses the document
    ran = fails(data_dir, "approve", "--request", "R7-0a1b2c3d4e", "--uses", "2",
                "--qr", str(tmp_path))
    assert ran.status == 74 and "the disk failed" in ran.error
    assert list(tmp_path.glob("*.png")) == []
    assert cli(data_dir, "requests").out.startswith("open       R7-0a1b2c3d4e")
    county_sql(data_dir, "DROP TRIGGER refuse" + (" ON documents" if postgresql(data_dir) else ""))
    assert cli(data_dir, "approve", "--request", "R7-0a1b2c3d4e", "--uses", "2",
                  "--qr", str(tmp_path)).status == 0
    assert len(list(tmp_path.glob("approval-A-*.png"))) == 1


def postgresql(data_dir: Path) -> bool:
    return (data_dir / "county.toml").exists()


def refuse_documents(data_dir: Path) -> None:
    """A trigger that fails every new document, as a failing disk would."""
    if not postgresql(data_dir):
        county_sql(data_dir, "CREATE TRIGGER refuse BEFORE INSERT ON documents "
                             "BEGIN SELECT RAISE(ABORT, 'the disk failed'); END")
        return
    county_sql(data_dir, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN RAISE EXCEPTION 'the disk failed'; END $$")
    county_sql(data_dir, "CREATE TRIGGER refuse BEFORE INSERT ON documents "
                         "FOR EACH ROW EXECUTE FUNCTION refuse()")


KILLED_WHILE_WRITING_THE_QR = """
import os, signal, sys
from pathlib import Path
import county.approvals as approvals

def killed(text, path):
    os.kill(os.getpid(), signal.SIGKILL)

approvals.write_qr = killed
approvals.approve(sys.argv[1], sys.argv[2], uses=1, minutes=10, approver="town",
                  qr=Path(sys.argv[3]))
"""


def test_an_approver_killed_before_publishing_finishes_it_by_approving_again(
    device: Device, county: CountyServer, data_dir: Path, tmp_path: Path
) -> None:
    post(device, request_event("s1", "R8-0a1b2c3d4e"))
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING_THE_QR, str(data_dir),
                             "R8-0a1b2c3d4e", str(tmp_path)], cwd=REPO, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert approvals_for(device, county.public_key) == []  # nothing was published
    listed = cli(data_dir, "requests").out.splitlines()
    assert listed[0].startswith("approved   R8-0a1b2c3d4e")
    assert "NOT YET SENT: approve again to send it" in listed[1]
    aid = listed[1].split(",")[0].strip()

    ran = cli(data_dir, "approve", "--request", "R8-0a1b2c3d4e", "--uses", "2",
                 "--qr", str(tmp_path))
    assert ran.status == 0, ran.err
    assert f"approval {aid} was recorded before but never sent" in ran.out
    assert approvals_for(device, county.public_key) == [aid]  # the token it recorded
    assert (tmp_path / f"approval-{aid}.png").exists()
    again = fails(data_dir, "approve", "--request", "R8-0a1b2c3d4e", "--uses", "2",
                  "--qr", str(tmp_path))
    assert again.status == 65


def test_requests_as_json(device: Device, county: CountyServer, data_dir: Path) -> None:
    post(device, request_event("s1", "R9-0a1b2c3d4e"))
    import json

    listed = json.loads(cli(data_dir, "requests", "--json").out)
    [entry] = listed["requests"]
    assert entry["state"] == "open" and entry["request"]["device_id"] == STATION
    assert listed["ignored_from_devices_not_seal_stations"] == {}
    assert to_json(listed)  # JSON all the way down


class RecordFailed(Exception):
    pass


def audit_row(store: Store) -> None:
    store.execute("INSERT INTO console_audit (at, actor, action, address, object, detail) "
                  "VALUES (1, 'wang', 'decided', '-', 'request', '{}')")


@pytest.mark.parametrize("decide", ["approve", "refuse"])
def test_a_decision_and_its_record_are_one_transaction(
    device: Device, county: CountyServer, data_dir: Path, decide: str
) -> None:
    """The console's audit row is written in the transaction that publishes
    the decision: when writing it fails, nothing was decided, nor recorded."""
    post(device, request_event("s1", "R5-0a1b2c3d4e"))

    def failing(store: Store, _: object) -> None:
        audit_row(store)
        raise RecordFailed

    def take(record: Callable[[Store, Any], None]) -> object:
        if decide == "approve":
            return approve(data_dir, "R5-0a1b2c3d4e", uses=1, minutes=10, approver="wang",
                           record=record)
        return refuse(data_dir, "R5-0a1b2c3d4e", reason="材料不全", approver="wang",
                      record=record)

    with pytest.raises(RecordFailed):
        take(failing)
    assert county_sql(data_dir, "SELECT count(*) AS n FROM seal_answers") == [{"n": 0}]
    assert county_sql(data_dir, "SELECT count(*) AS n FROM console_audit") == [{"n": 0}]
    assert documents_for(device) == []  # neither an approval nor a refusal

    take(lambda store, _: audit_row(store))
    assert county_sql(data_dir, "SELECT count(*) AS n FROM seal_answers") == [{"n": 1}]
    assert county_sql(data_dir, "SELECT count(*) AS n FROM console_audit") == [{"n": 1}]
