"""Filing a complaint: validated, sealed to the county's key, stored unreadable."""

from __future__ import annotations

import json
from datetime import date
from random import Random

import pytest

from county.complaints import ensure_complaint_key, list_reports
from kiosk.services.complaints import (
    NO_KEY_MESSAGE,
    PROBLEM_KINDS,
    ComplaintForm,
    ComplaintFormError,
    ComplaintReceipt,
    Unavailable,
    check_phone,
    file_complaint,
    readiness,
)
from protocol import tracking
from sync.outbox import Outbox
from tests.kiosk.services.conftest import NOW, Kiosk

PHONE = "13912345678"
ITEM = ("BM-02", "最低生活保障申请（低保）")


def test_the_kinds_of_problem_are_the_fixed_list() -> None:
    assert [k.label for k in PROBLEM_KINDS] == [
        "办事拖延", "乱收费", "吃拿卡要", "信息不公开", "态度不好", "优亲厚友", "不按程序", "其他"]
    assert all(k.hint for k in PROBLEM_KINDS)


def test_every_choice_on_the_complaint_screen_is_a_kind_the_county_reads() -> None:
    from kiosk.viewmodels.complaint import COMPLAINT_PROBLEMS
    from kiosk.wiring import PROBLEM_KEYS

    keys = {k.key for k in PROBLEM_KINDS}
    assert set(PROBLEM_KEYS) == set(COMPLAINT_PROBLEMS)
    assert set(PROBLEM_KEYS.values()) <= keys


@pytest.mark.parametrize("typed, number", [
    ("13912345678", "13912345678"), ("139 1234 5678", "13912345678"),
    ("+86 139-1234-5678", "13912345678"), ("8619912345678", "19912345678"),
])
def test_mainland_mobile_numbers_are_accepted(typed: str, number: str) -> None:
    assert check_phone(typed).ok and check_phone(typed).number == number


@pytest.mark.parametrize("typed, message", [
    ("1391234567", "手机号码是11位数字，请再核对一下。"),
    ("139123456789", "手机号码是11位数字，请再核对一下。"),
    ("12912345678", "手机号码的前两位应该是13到19，请再核对一下。"),
    ("23912345678", "手机号码的前两位应该是13到19，请再核对一下。"),
    ("1391234567a", "手机号码只能是数字，请再核对一下。"),
    ("", "手机号码是11位数字，请再核对一下。"),
])
def test_wrong_numbers_get_a_plain_chinese_message(typed: str, message: str) -> None:
    check = check_phone(typed)
    assert not check.ok and check.number is None and check.message == message


def test_without_the_county_key_the_kiosk_says_so_and_stores_nothing(kiosk: Kiosk) -> None:
    assert readiness(kiosk.feed) is not None
    result = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                            ComplaintForm("delay"), now=NOW)

    assert isinstance(result, Unavailable)
    assert (result.reason, result.message) == ("no_key", NO_KEY_MESSAGE)
    assert "county complaint-key" in result.detail
    assert kiosk.outbox.pending() == []


def ready(kiosk: Kiosk) -> None:
    ensure_complaint_key(kiosk.county_dir)
    kiosk.pull()
    assert readiness(kiosk.feed) is None


def test_a_complaint_is_filed_sealed_and_gives_a_receipt(kiosk: Kiosk) -> None:
    ready(kiosk)
    form = ComplaintForm("fees", item_id=ITEM[0], item_name=ITEM[1], phone="139 1234 5678")
    receipt = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, form, now=NOW,
                             rng=Random(1))

    assert isinstance(receipt, ComplaintReceipt)
    assert tracking.is_valid(receipt.code) and receipt.kind == "complaint"
    assert (receipt.filed, receipt.reply_due) == (date(2024, 6, 7), date(2024, 6, 28))
    assert receipt.qr == tracking.qr_content(receipt.code) and not receipt.anonymous
    [event] = kiosk.outbox.pending()
    assert event.id == receipt.event_id and event.stream == "complaint"
    assert set(event.payload) == {"code", "sealed"} and event.payload["code"] == receipt.code


def test_nothing_readable_is_stored_on_the_device(kiosk: Kiosk) -> None:
    ready(kiosk)
    for whistle in (False, True):
        form = ComplaintForm("bribes", item_id=ITEM[0], item_name=ITEM[1], whistle=whistle,
                             phone=PHONE)
        assert isinstance(file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, form,
                                         now=NOW), ComplaintReceipt)
    stored = kiosk.stored_bytes()
    assert b'"sealed"' in stored  # the search looks where the reports are
    secrets = [PHONE, ITEM[0], ITEM[1], "吃拿卡要", "bribes", "最低生活保障"]
    for secret in secrets:
        for form in (secret.encode(), json.dumps(secret).encode()[1:-1], secret.encode("gb18030")):
            assert form not in stored, secret


def test_the_sealed_length_does_not_tell_whether_a_number_was_left(kiosk: Kiosk) -> None:
    ready(kiosk)
    lengths = set()
    for phone in (None, PHONE):
        file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                       ComplaintForm("other", phone=phone), now=NOW)
    for event in kiosk.outbox.pending():
        lengths.add(len(event.payload["sealed"]["ct"]))
    assert len(lengths) == 1


def test_the_county_reads_what_the_kiosk_sealed(kiosk: Kiosk) -> None:
    ready(kiosk)
    complaint = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                               ComplaintForm("secrecy", ITEM[0], ITEM[1], phone=PHONE), now=NOW)
    whistle = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                             ComplaintForm("bribes", whistle=True), now=NOW)
    assert isinstance(complaint, ComplaintReceipt) and isinstance(whistle, ComplaintReceipt)
    assert whistle.kind == "whistle" and whistle.anonymous
    assert kiosk.push() == 2

    reports = {r.code: r for r in list_reports(kiosk.county_dir)}
    first, second = reports[complaint.code], reports[whistle.code]
    assert (first.kind, first.item_id, first.item_name, first.problem, first.phone,
            first.reply_due, first.error) == (
        "complaint", ITEM[0], ITEM[1], "信息不公开", PHONE, "2024-06-28", None)
    assert first.filed.startswith("2024-06-07T10:30") and first.device_id == kiosk.device_id
    assert (second.kind, second.item_id, second.problem, second.phone) == (
        "whistle", None, "吃拿卡要", None)


def test_a_wrong_phone_number_or_problem_is_refused_before_anything_is_stored(
    kiosk: Kiosk,
) -> None:
    ready(kiosk)
    with pytest.raises(ComplaintFormError) as error:
        file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id,
                       ComplaintForm("delay", phone="12345"), now=NOW)
    assert error.value.message == "手机号码是11位数字，请再核对一下。"
    with pytest.raises(ComplaintFormError, match="unknown kind of problem 'noise'"):
        file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, ComplaintForm("noise"),
                       now=NOW)
    assert kiosk.outbox.pending() == []


def test_a_full_outbox_is_told_plainly(kiosk: Kiosk) -> None:
    ready(kiosk)
    full = Outbox(kiosk.state / "full-outbox", quota_bytes=64)
    try:
        result = file_complaint(full, kiosk.feed, kiosk.device_id, ComplaintForm("delay"),
                                now=NOW)
    finally:
        full.close()
    assert isinstance(result, Unavailable) and result.reason == "storage"
    assert "监督电话" in result.message and "outbox full" in result.detail


def test_the_reply_period_is_a_parameter(kiosk: Kiosk) -> None:
    ready(kiosk)
    receipt = file_complaint(kiosk.outbox, kiosk.feed, kiosk.device_id, ComplaintForm("delay"),
                             now=NOW, reply_working_days=5, holidays={date(2024, 6, 10)})
    assert isinstance(receipt, ComplaintReceipt) and receipt.reply_due == date(2024, 6, 17)
