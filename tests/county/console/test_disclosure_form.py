"""The clerk's disclosure form checked: each mistake named in plain Chinese
for its own field, amounts read as strictly as every number the county
reads, and a valid form written as the kiosk reads a disclosure."""

from __future__ import annotations

from datetime import date

import pytest

from county.console.disclosure_form import (
    MAX_AMOUNT_YUAN,
    Entry,
    check_form,
)
from kiosk.viewmodels.disclosures import Disclosure
from protocol.disclosure import CATEGORIES

TODAY = date(2026, 11, 30)
VALID = {"village": "330226100201", "category": "工程项目", "title": "村道硬化工程招标结果",
         "date": "2026-11-02", "amount": "86000", "contractor": "某建设公司",
         "text": "三家投标，按程序开标评标。"}


def problems_of(**changed: str) -> dict[str, str]:
    return check_form({**VALID, **changed}, TODAY).problems


def test_a_valid_form_is_the_body_the_kiosk_reads() -> None:
    checked = check_form(VALID, TODAY)
    assert checked.problems == {} and checked.entry is not None
    assert checked.entry.body() == {
        "title": "村道硬化工程招标结果", "category": "工程项目", "date": "2026-11-02",
        "amount_yuan": 86000, "contractor": "某建设公司", "text": "三家投标，按程序开标评标。"}
    assert checked.entry.amount_text == "金额 8.6 万元"
    bare = check_form({**VALID, "amount": "", "contractor": "", "text": ""}, TODAY).entry
    assert bare is not None and set(bare.body()) == {"title", "category", "date"}


def test_every_category_the_form_offers_is_one_the_kiosk_shows() -> None:
    for category in CATEGORIES:
        entry = check_form({**VALID, "category": category}, TODAY).entry
        assert entry is not None
        assert Entry.from_body(entry.body()) == entry


@pytest.mark.parametrize("typed, amount", [("86000", 86000), (" 86000\t", 86000), ("1", 1),
                                           (str(MAX_AMOUNT_YUAN), MAX_AMOUNT_YUAN)])
def test_an_amount_is_a_whole_number_of_yuan(typed: str, amount: int) -> None:
    entry = check_form({**VALID, "amount": typed}, TODAY).entry
    assert entry is not None and entry.amount_yuan == amount


@pytest.mark.parametrize("typed, words", [
    ("8.6万", "只写整数"), ("86,000", "只写整数"), ("86000元", "只写整数"), ("8.6", "只写整数"),
    ("８６０００", "只写整数"), ("-5", "只写整数"), ("1e5", "只写整数"), ("²", "只写整数"),
    ("0", "不能是 0"), ("000", "不能是 0"), (str(MAX_AMOUNT_YUAN + 1), "金额太大了"),
    ("9" * 5000, "金额太大了"),
])
def test_an_amount_that_is_not_a_whole_number_of_yuan_is_named(typed: str, words: str) -> None:
    problems = problems_of(amount=typed)
    assert list(problems) == ["amount"] and words in problems["amount"]


@pytest.mark.parametrize("typed, words", [
    ("", "请填写日期"), ("2026/11/02", "日期的写法不对"), ("2026-2-3", "日期的写法不对"),
    ("２０２６-１１-０２", "日期的写法不对"), ("2026-02-30", "没有这一天"),
    ("2026-12-02", "不能晚于明天"), ("1999-12-31", "不能早于 2000 年"),
])
def test_a_date_must_be_a_real_day_not_past_tomorrow(typed: str, words: str) -> None:
    problems = problems_of(date=typed)
    assert list(problems) == ["date"] and words in problems["date"]
    assert "2026-11-30" in problems_of(date="")["date"]  # an example in today's form


def test_tomorrow_is_the_latest_date() -> None:
    entry = check_form({**VALID, "date": "2026-12-01"}, TODAY).entry
    assert entry is not None and entry.day == date(2026, 12, 1)


@pytest.mark.parametrize("field, limit", [("title", 60), ("contractor", 40), ("text", 500)])
def test_text_fields_are_bounded(field: str, limit: int) -> None:
    assert problems_of(**{field: "公" * limit}) == {}
    problems = problems_of(**{field: "公" * (limit + 1)})
    assert list(problems) == [field]
    assert f"最多 {limit} 个字，现在有 {limit + 1} 个字" in problems[field]


def test_required_fields_are_named_each_beside_its_own() -> None:
    problems = check_form({}, TODAY).problems
    assert problems == {"village": "请选择村。", "category": "请选择类别。",
                        "title": "请填写标题。", "date": problems["date"]}
    assert problems_of(category="国防") == {"category": "请选择类别。"}
    assert problems_of(title=" \n\t ") == {"title": "请填写标题。"}


def test_what_is_typed_is_tidied() -> None:
    checked = check_form({**VALID, "title": "  村道\n硬化\t 工程\x00 ",
                          "text": "\r\n第一行\r\n第二行\x07\n"}, TODAY)
    assert checked.entry is not None
    assert checked.entry.title == "村道 硬化 工程"
    assert checked.entry.text == "第一行\n第二行"


def test_the_preview_shows_a_row_as_the_kiosk_does() -> None:
    entry = check_form(VALID, TODAY).entry
    assert entry is not None
    kiosk = Disclosure(entry.title, entry.category, entry.day, "县里统一发布", entry.text,
                       entry.amount_yuan, entry.contractor)
    assert entry.meta == f"{kiosk.category} · {kiosk.date_text} · 来源：{kiosk.source}"
    assert entry.detail == kiosk.detail
    assert entry.detail == "三家投标，按程序开标评标。  金额 8.6 万元  承接单位 某建设公司"
