"""The county's side: the complaint key made once and published, reports
listed, statuses published, through the functions and the CLI."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from county import operator
from county.complaints import (
    DAYS_VALID,
    complaint_key_path,
    ensure_complaint_key,
    list_reports,
    load_complaint_key,
    set_status,
)
from county.errors import CountyError
from county.store import Store
from kiosk.services.complaints import (
    ComplaintForm,
    ComplaintReceipt,
    county_report_key,
    file_complaint,
)
from protocol import tracking
from protocol.complaint_envelope import public_key_text
from tests.kiosk.services.conftest import NOW, Kiosk
from tests.village_edge.inprocess import village_edge


def county_cli(*argv: str) -> tuple[int, str]:
    """``village-edge county ARGS``: the status, and stdout (or, failed, stderr)."""
    ran = village_edge("county", *argv)
    if ran.status == 0:
        assert ran.err == "", ran.err
        return ran.status, ran.out
    assert ran.out == ""
    return ran.status, ran.error


def documents(county_dir: Path) -> int:
    with Store.open(county_dir / "county.db") as store:
        return store.document_count()


def test_the_key_is_made_once_private_and_published_once(county_dir: Path) -> None:
    before = documents(county_dir)
    public = ensure_complaint_key(county_dir)

    path = complaint_key_path(county_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_bytes()) == 32
    assert public == public_key_text(load_complaint_key(county_dir))
    assert documents(county_dir) == before + 1
    assert ensure_complaint_key(county_dir) == public  # the same key, not published again
    assert documents(county_dir) == before + 1
    assert not list(county_dir.glob(".complaint.key.*"))


def test_the_kiosk_gets_the_published_key_through_its_feed(kiosk: Kiosk) -> None:
    assert county_report_key(kiosk.feed) is None
    public = ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    key = county_report_key(kiosk.feed)
    assert key is not None and public_key_text(key) == public


def test_the_key_is_published_again_before_it_expires_or_when_replaced(county_dir: Path) -> None:
    ensure_complaint_key(county_dir)
    count = documents(county_dir)
    later = time.time() + (DAYS_VALID - 30) * 86400
    ensure_complaint_key(county_dir, now=later)
    assert documents(county_dir) == count + 1

    complaint_key_path(county_dir).unlink()  # lost: a new key must reach the kiosks
    new = ensure_complaint_key(county_dir, now=later)
    assert documents(county_dir) == count + 2
    with Store.open(county_dir / "county.db") as store:
        *_, (_, wire) = store.documents_after(0, "*", 100)
    assert wire["document"]["body"] == {"x25519": new}


def test_without_a_county_the_operator_is_told_where_to_start(tmp_path: Path) -> None:
    with pytest.raises(CountyError, match="no county in"):
        ensure_complaint_key(tmp_path / "nowhere")


def file(kiosk: Kiosk, form: ComplaintForm) -> ComplaintReceipt:
    receipt = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, form, now=NOW)
    assert isinstance(receipt, ComplaintReceipt)
    return receipt


def test_a_report_sealed_to_another_key_is_listed_as_unreadable(kiosk: Kiosk) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    good = file(kiosk, ComplaintForm("delay"))
    path = complaint_key_path(kiosk.county_dir)
    original = path.read_bytes()
    path.write_bytes(X25519PrivateKey.generate().private_bytes_raw())  # another county key
    kiosk.push()
    [report] = list_reports(kiosk.county_dir)
    assert report.code == good.code and report.problem is None
    assert report.error is not None and "another county key" in report.error
    path.unlink()
    [report] = list_reports(kiosk.county_dir)
    assert report.error is not None and "no complaint key at" in report.error
    path.write_bytes(original)
    [report] = list_reports(kiosk.county_dir)
    assert report.error is None and report.problem == "办事拖延"


def test_a_report_replayed_under_another_device_does_not_open(kiosk: Kiosk) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    receipt = file(kiosk, ComplaintForm("delay"))
    [event] = kiosk.outbox.pending()
    with Store.open(kiosk.county_dir / "county.db") as store, store.transaction():
        store.add_event("ve-330226100201-kiosk2", event.id, event.stream, event.created,
                        json.dumps(event.payload), time.time())
    [report] = list_reports(kiosk.county_dir)
    assert report.code == receipt.code and report.error and "another device" in report.error


def test_cli_complaint_key_complaints_and_status(kiosk: Kiosk) -> None:
    data = str(kiosk.county_dir)
    status, output = county_cli("complaint-key", "--data", data)
    assert status == 0 and public_key_text(load_complaint_key(kiosk.county_dir)) in output
    kiosk.pull()
    assert county_cli("complaints", "--data", data) == (
        0, "no complaints or whistle-blower reports yet\n")

    receipt = file(kiosk, ComplaintForm("attitude", "BM-10", "村级证明出具", phone="13800138000"))
    kiosk.push()
    status, output = county_cli("complaints", "--data", data)
    assert status == 0
    assert f"{receipt.code}  complaint  2024-06-07  {kiosk.device_id}  status new" in output
    assert ("村级证明出具 (BM-10)  problem 态度不好  phone 13800138000  "
            "reply due 2024-06-28") in output

    status, output = county_cli("complaint-status", "--code", tracking.display(receipt.code),
                                "--status", "replied", "--date", "2024-06-20", "--data", data)
    assert (status, output) == (0, f"published: report {receipt.code} is replied since "
                                   "2024-06-20\n")
    status, output = county_cli("complaints", "--json", "--data", data)
    [listed] = json.loads(output)
    assert listed["code"] == receipt.code and listed["status"] == "replied"
    assert listed["phone"] == "13800138000" and listed["error"] is None


@pytest.mark.parametrize("code, message", [
    ("1234567890", "is not a tracking code"),
    (tracking.new_code(), "has reached the county"),
])
def test_cli_refuses_a_status_for_a_code_it_does_not_hold(
    county_dir: Path, code: str, message: str
) -> None:
    if tracking.is_valid("1234567890"):
        pytest.fail("the example of a wrong code happens to be valid: pick another")
    status, output = county_cli("complaint-status", "--code", code, "--status", "handling",
                                "--data", str(county_dir))
    assert status == 65 and message in output  # bad input data


def test_statuses_accumulate_in_one_document(kiosk: Kiosk) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    first, second = file(kiosk, ComplaintForm("delay")), file(kiosk, ComplaintForm("fees"))
    kiosk.push()
    set_status(kiosk.county_dir, first.code, "received")
    set_status(kiosk.county_dir, second.code, "handling")
    set_status(kiosk.county_dir, first.code, "replied")
    with Store.open(kiosk.county_dir / "county.db") as store:
        *_, (_, wire) = store.documents_after(0, "*", 100)
    statuses = wire["document"]["body"]["statuses"]
    assert {code: entry["status"] for code, entry in statuses.items()} == {
        first.code: "replied", second.code: "handling"}
    assert wire["document"]["kind"] == "disclosure" and wire["document"]["version"] == 3
    with pytest.raises(CountyError, match="status 'lost' is not known"):
        set_status(kiosk.county_dir, first.code, "lost")
    assert operator.stats(kiosk.county_dir)["events_stored"] == 2
