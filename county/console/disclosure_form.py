"""The clerk's disclosure form (阳光村务), checked: each field as typed,
tidied (spaces, line ends), and either an :class:`Entry` ready to publish
or a problem for each field that is wrong, in plain Chinese, to show next
to it. The same check runs when the form is previewed and again when it is
published: what the browser sends back is never trusted.

An entry is written as the kiosk reads it (:mod:`protocol.disclosure`) and
shown as the kiosk shows it: title; category, date and source; then the
text, the amount (``金额 8.6 万元``) and the contractor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from county.inputs import whole_or_none
from protocol.disclosure import CATEGORIES, DEFAULT_SOURCE, amount_text, category_of, detail_line

FIELDS = ("village", "category", "title", "date", "amount", "contractor", "text")
MAX_TITLE = 60
MAX_CONTRACTOR = 40
MAX_TEXT = 500
MAX_AMOUNT_YUAN = 1_000_000_000  # 10 亿元: past any village's project
EARLIEST_DAY = date(2000, 1, 1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Entry:
    """One disclosure, as published and as the kiosk shows it."""

    category: str  # one of protocol.disclosure.CATEGORIES (or OTHER, read back)
    title: str
    day: date | None
    amount_yuan: int | None = None
    contractor: str = ""
    text: str = ""

    def body(self) -> dict[str, Any]:
        """The document body (one entry: :mod:`protocol.disclosure`)."""
        assert self.day is not None
        body: dict[str, Any] = {"title": self.title, "category": self.category,
                                "date": self.day.isoformat()}
        if self.amount_yuan is not None:
            body["amount_yuan"] = self.amount_yuan
        if self.contractor:
            body["contractor"] = self.contractor
        if self.text:
            body["text"] = self.text
        return body

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Entry | None:
        """The entry of a published body (None: no title, as the kiosk skips it)."""
        title = str(body.get("title") or "").strip()
        if not title:
            return None
        try:
            day: date | None = date.fromisoformat(str(body.get("date")))
        except ValueError:
            day = None
        amount = body.get("amount_yuan")
        return cls(category_of(body.get("category")), title, day,
                   amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
                   str(body.get("contractor") or ""), str(body.get("text") or "").strip())

    @property
    def date_text(self) -> str:
        return f"{self.day.year}年{self.day.month}月{self.day.day}日" if self.day else "日期未写明"

    @property
    def meta(self) -> str:
        """The kiosk row's second line: category, date, source."""
        return f"{self.category} · {self.date_text} · 来源：{DEFAULT_SOURCE}"

    @property
    def amount_text(self) -> str:
        return amount_text(self.amount_yuan)

    @property
    def detail(self) -> str:
        """The kiosk row's third line: text, amount, contractor."""
        return detail_line(self.text, self.amount_yuan, self.contractor)


@dataclass(frozen=True)
class CheckedForm:
    """The form as typed (tidied, to show again), and its entry or its problems."""

    values: dict[str, str]
    entry: Entry | None
    problems: dict[str, str] = field(default_factory=dict)  # field -> what to do, in Chinese


def tidy(form: Mapping[str, str]) -> dict[str, str]:
    """Each field of *form*: one line for all but the text (runs of spaces
    and line ends made one space), control characters dropped."""
    values = {}
    for name in FIELDS:
        raw = _CONTROL.sub("", str(form.get(name, "")).replace("\r\n", "\n").replace("\r", "\n"))
        values[name] = raw.strip() if name == "text" else " ".join(raw.split())
    return values


def check_form(form: Mapping[str, str], today: date) -> CheckedForm:
    """*form* checked (the village is the page's to check: who may see it);
    *today* is the county's date, in Beijing."""
    values = tidy(form)
    problems: dict[str, str] = {}
    if not values["village"]:
        problems["village"] = "请选择村。"
    if values["category"] not in CATEGORIES:
        problems["category"] = "请选择类别。"
    title = values["title"]
    if not title:
        problems["title"] = "请填写标题。"
    elif len(title) > MAX_TITLE:
        problems["title"] = f"标题最多 {MAX_TITLE} 个字，现在有 {len(title)} 个字，请改短一些。"
    day, problems_of_day = _day(values["date"], today)
    if problems_of_day:
        problems["date"] = problems_of_day
    amount, problem_of_amount = _amount(values["amount"])
    if problem_of_amount:
        problems["amount"] = problem_of_amount
    if len(values["contractor"]) > MAX_CONTRACTOR:
        problems["contractor"] = (f"承接单位最多 {MAX_CONTRACTOR} 个字，现在有 "
                                  f"{len(values['contractor'])} 个字，请改短一些。")
    if len(values["text"]) > MAX_TEXT:
        problems["text"] = (f"说明最多 {MAX_TEXT} 个字，现在有 {len(values['text'])} 个字，"
                            "请删减一些。")
    if problems:
        return CheckedForm(values, None, problems)
    entry = Entry(values["category"], title, day, amount, values["contractor"], values["text"])
    return CheckedForm(values, entry)


def _day(text: str, today: date) -> tuple[date | None, str]:
    example = f"请写成 {today.isoformat()} 这样（年-月-日）。"
    if not text:
        return None, "请填写日期，" + example
    if not _DATE.fullmatch(text):
        return None, "日期的写法不对，" + example
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, "没有这一天，请再看一下日期。"
    if day > today + timedelta(days=1):
        return None, "日期不能晚于明天，请再看一下。"
    if day < EARLIEST_DAY:
        return None, f"日期不能早于 {EARLIEST_DAY.year} 年，请再看一下。"
    return day, ""


def _amount(text: str) -> tuple[int | None, str]:
    if not text:
        return None, ""
    amount = whole_or_none(text, low=1, high=MAX_AMOUNT_YUAN)
    if amount is not None:
        return amount, ""
    digits = text.strip(" \t")
    if not _DIGITS.fullmatch(digits):
        return None, ("金额请只写整数，单位是元，例如 86000；不要写“万”、“元”、小数点或逗号。"
                      "没有金额就空着。")
    if not digits.strip("0"):
        return None, "金额不能是 0。没有金额就空着。"
    return None, f"金额太大了：最多 {MAX_AMOUNT_YUAN // 100_000_000} 亿元，请再看一下。"
