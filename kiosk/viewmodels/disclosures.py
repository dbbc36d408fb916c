"""阳光村务: what the village did with its money, land and works, as the county
published it (feed documents of kind ``disclosure``), by category, newest first.

A document's body is one entry or ``{"entries": [...]}``
(:mod:`protocol.disclosure`, where the categories are); a document withdrawn
has no entries, so nothing of it is shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kiosk.viewmodels.feeds import FeedReader
from kiosk.viewmodels.freshness import date_label
from protocol.disclosure import (
    CATEGORIES,
    DEFAULT_SOURCE,
    KIND,
    OTHER,
    category_of,
    detail_line,
)

log = logging.getLogger(__name__)

ALL = "全部"


@dataclass(frozen=True)
class Disclosure:
    """One published entry, ready to show in a row."""

    title: str
    category: str
    day: date | None
    source: str
    text: str = ""
    amount_yuan: float | None = None
    contractor: str | None = None

    @property
    def date_text(self) -> str:
        return date_label(self.day) if self.day else "日期未写明"

    @property
    def detail(self) -> str:
        """The second line of a row: text, amount, contractor."""
        return detail_line(self.text, self.amount_yuan, self.contractor)


def _day(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def _entry(data: Any, fallback_day: date) -> Disclosure | None:
    if not isinstance(data, dict) or not str(data.get("title") or "").strip():
        return None
    amount = data.get("amount_yuan")
    contractor = data.get("contractor")
    return Disclosure(
        title=str(data["title"]).strip(),
        category=category_of(data.get("category")),
        day=_day(data.get("date")) or fallback_day,
        source=str(data.get("source") or DEFAULT_SOURCE),
        text=str(data.get("text") or "").strip(),
        amount_yuan=float(amount) if isinstance(amount, int | float) else None,
        contractor=str(contractor) if contractor else None,
    )


def read_disclosures(feed: FeedReader | None) -> tuple[list[Disclosure], datetime | None]:
    """Every entry held, newest first, and when the newest document was issued."""
    if feed is None:
        return [], None
    entries: list[Disclosure] = []
    newest: int | None = None
    for name in feed.names(KIND):
        signed = feed.get(KIND, name)
        if signed is None:
            log.warning("disclosure/%s does not verify; not shown", name)
            continue
        document = signed.document
        newest = max(newest or 0, document.issued)
        issued_day = datetime.fromtimestamp(document.issued).date()
        body = document.body
        entries_field = body.get("entries")
        raw: list[Any] = entries_field if isinstance(entries_field, list) else [body]
        for data in raw:
            entry = _entry(data, issued_day)
            if entry is not None:
                entries.append(entry)
    entries.sort(key=lambda e: (e.day or date.min, e.title), reverse=True)
    return entries, datetime.fromtimestamp(newest) if newest is not None else None


class DisclosuresViewModel:
    """The 阳光村务 screen: category tabs and the rows of the chosen one."""

    def __init__(self, feed: FeedReader | None) -> None:
        self._feed = feed
        self._generation: int | None = None
        self._entries: list[Disclosure] = []
        self.updated: datetime | None = None
        self.category = ALL

    def _load(self) -> None:
        generation = self._feed.generation() if self._feed is not None else 0
        if generation != self._generation:
            self._generation = generation
            self._entries, self.updated = read_disclosures(self._feed)

    @property
    def tabs(self) -> list[tuple[str, int]]:
        """(category, count) for 全部 and each category that has entries."""
        self._load()
        counts = {name: 0 for name in (*CATEGORIES, OTHER)}
        for entry in self._entries:
            counts[entry.category] += 1
        return [(ALL, len(self._entries))] + [(n, c) for n, c in counts.items() if c]

    def choose(self, category: str) -> None:
        self.category = category

    @property
    def rows(self) -> list[Disclosure]:
        self._load()
        if self.category == ALL:
            return list(self._entries)
        return [entry for entry in self._entries if entry.category == self.category]

    @property
    def empty_message(self) -> str:
        return "这里还没有公开内容。县里发布后，会自动显示在这里。"
