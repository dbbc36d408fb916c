"""Progress lookup: the check digit first, then what the county published, in plain Chinese."""

from __future__ import annotations

import json
from datetime import date

import pytest

from county import operator
from county.complaints import ensure_complaint_key, set_status
from kiosk.services.complaints import ComplaintForm, ComplaintReceipt, file_complaint
from kiosk.services.progress import (
    BAD_CODE_MESSAGE,
    NOT_FOUND_MESSAGE,
    STATUS_MESSAGES,
    lookup,
)
from protocol import tracking
from protocol.complaint_status import STATUS_DOCUMENT
from tests.kiosk.services.conftest import NOW, Kiosk


def filed(kiosk: Kiosk) -> str:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    receipt = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, ComplaintForm("delay"),
                             now=NOW)
    assert isinstance(receipt, ComplaintReceipt)
    kiosk.push()
    return receipt.code


def test_a_mistyped_code_is_caught_by_its_check_digit(kiosk: Kiosk) -> None:
    code = filed(kiosk)
    set_status(kiosk.county_dir, code, "received")
    kiosk.pull()
    wrong = code[:3] + code[4] + code[3] + code[5:]
    if wrong == code:
        wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    view = lookup(kiosk.feed, wrong)
    assert (view.state, view.message) == ("bad_code", BAD_CODE_MESSAGE)
    assert view.message.startswith("号码好像输错了，请再核对一下")
    assert lookup(kiosk.feed, "12345").state == "bad_code"


def test_a_valid_code_the_county_has_not_answered_yet(kiosk: Kiosk) -> None:
    code = filed(kiosk)
    assert lookup(kiosk.feed, code).state == "not_found"  # nothing published yet
    other = filed(kiosk)
    set_status(kiosk.county_dir, other, "handling")
    kiosk.pull()
    view = lookup(kiosk.feed, code)
    assert (view.state, view.message, view.label) == ("not_found", NOT_FOUND_MESSAGE, None)
    assert view.updated is not None


@pytest.mark.parametrize("status, label", [
    ("received", "已收到"), ("handling", "办理中"), ("replied", "已答复")])
def test_each_status_in_plain_chinese(kiosk: Kiosk, status: str, label: str) -> None:
    code = filed(kiosk)
    set_status(kiosk.county_dir, code, status, on=date(2024, 6, 20))
    kiosk.pull()
    view = lookup(kiosk.feed, tracking.display(code))
    assert (view.code, view.state, view.label, view.date) == (code, status, label,
                                                              date(2024, 6, 20))
    assert view.message == STATUS_MESSAGES[status]
    prefix = "答复日期" if status == "replied" else "更新日期"
    assert view.date_text == f"{prefix}：2024年6月20日"


def test_the_status_document_never_carries_what_was_reported(kiosk: Kiosk) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    receipt = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                             ComplaintForm("fees", "BM-02", "最低生活保障申请（低保）",
                                           phone="13912345678"), now=NOW)
    assert isinstance(receipt, ComplaintReceipt)
    kiosk.push()
    set_status(kiosk.county_dir, receipt.code, "replied")
    kiosk.pull()
    held = kiosk.feed.get(*STATUS_DOCUMENT)
    assert held is not None
    text = json.dumps(held.to_wire(), ensure_ascii=False)
    assert receipt.code in text
    for secret in ("13912345678", "BM-02", "低保", "乱收费", "fees"):
        assert secret not in text


def test_a_status_document_tampered_with_on_the_kiosk_is_not_believed(kiosk: Kiosk) -> None:
    code = filed(kiosk)
    set_status(kiosk.county_dir, code, "handling")
    kiosk.pull()
    path = kiosk.feed.directory / "disclosure" / "complaint-status.json"
    path.write_text(path.read_text().replace('"handling"', '"replied"'))
    assert lookup(kiosk.feed, code).state == "not_found"


def test_a_malformed_entry_is_shown_as_not_found(kiosk: Kiosk) -> None:
    code = filed(kiosk)
    operator.publish(kiosk.county_dir, *STATUS_DOCUMENT, {"statuses": {code: {"status": "?"}}})
    kiosk.pull()
    assert lookup(kiosk.feed, code).state == "not_found"


def test_the_countys_reply_is_shown_with_the_status(kiosk: Kiosk) -> None:
    from kiosk.wiring import FeedProgress

    code = filed(kiosk)
    set_status(kiosk.county_dir, code, "handling", reply="已转村务监督委员会核实。")
    kiosk.pull()
    view = lookup(kiosk.feed, code)
    assert view.reply_text == "县里的说明：已转村务监督委员会核实。"
    reply = "村委会已在公开栏公布了低保评议结果。"
    set_status(kiosk.county_dir, code, "replied", reply=reply)
    kiosk.pull()
    view = lookup(kiosk.feed, code)
    assert (view.state, view.reply) == ("replied", reply)
    report = FeedProgress(kiosk.feed).lookup(code)
    assert report is not None
    assert report.lines == (STATUS_MESSAGES["replied"], f"县里的答复：{reply}")


def test_a_status_without_a_reply_shows_no_reply_line(kiosk: Kiosk) -> None:
    from kiosk.wiring import FeedProgress

    code = filed(kiosk)
    set_status(kiosk.county_dir, code, "received")
    kiosk.pull()
    assert lookup(kiosk.feed, code).reply_text is None
    report = FeedProgress(kiosk.feed).lookup(code)
    assert report is not None and report.lines == (STATUS_MESSAGES["received"],)
