"""Finding an item by tapping a common word (most villagers cannot type
Chinese on a touchscreen) or by typing, with the time the search took."""

from __future__ import annotations

import time
from collections import Counter

from kiosk.viewmodels.items import ListRow, item_row
from powerlist import Catalog, search

KEYWORDS_SHOWN = 12


class SearchViewModel:
    def __init__(self) -> None:
        self.query = ""
        self.results: list[ListRow] = []
        self.seconds = 0.0

    @staticmethod
    def keywords(catalog: Catalog, count: int = KEYWORDS_SHOWN) -> list[str]:
        """The tags most items share, short ones first among equals: the words
        offered as buttons."""
        tally = Counter(tag for item in catalog.items for tag in item.tags if len(tag) <= 4)
        ranked = sorted(tally.items(), key=lambda pair: (-pair[1], len(pair[0]), pair[0]))
        return [tag for tag, _ in ranked[:count]]

    def run(self, catalog: Catalog, query: str) -> list[ListRow]:
        started = time.perf_counter()
        self.query = query
        self.results = [item_row(item) for item in search(catalog, query)]
        self.seconds = time.perf_counter() - started
        return self.results

    @property
    def summary(self) -> str:
        if not self.query.strip():
            return "点一个词，或者输入要办的事。"
        if not self.results:
            return f"没有找到“{self.query}”。可以换个词试试，或者问村里的代办员。"
        return f"“{self.query}”：找到 {len(self.results)} 项"
