"""Finding an item by tapping a common word (most villagers cannot type
Chinese on a touchscreen) or by typing, with the time the search took.

The matching is :func:`powerlist.search`'s (substring, blind to spaces and
full-width letters; name matches first, then tags, responsible body,
materials; catalog order within each), but over an index built once per
catalog: every item's fields folded in advance, with where each character
and each pair of characters occurs, so that a query is a few dictionary
look-ups and set intersections and its cost grows with the number of
matches, not with the size of the catalog.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter

from kiosk.viewmodels.items import ListRow, item_row
from powerlist import Catalog, PowerItem

KEYWORDS_SHOWN = 12
#: At most this many results are listed; the summary says how many more there are.
RESULTS_SHOWN = 50


def fold(text: str) -> str:
    """Full-width to half-width, lower case, no spaces of any kind."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class _Field:
    """One field of every item, folded, with where each character and each
    pair of characters occurs: a query looks up its pairs, intersects them
    (in C) and checks only the items left, so its cost follows the matches."""

    def __init__(self, values: list[str]) -> None:
        self.values = tuple(values)
        grams: dict[str, list[int]] = {}
        for position, value in enumerate(values):
            for gram in {*value, *(value[at:at + 2] for at in range(len(value) - 1))}:
                grams.setdefault(gram, []).append(position)
        self.grams = {gram: tuple(positions) for gram, positions in grams.items()}

    def having(self, needle: str) -> set[int]:
        """Positions of the items whose field contains *needle* (not blank)."""
        if len(needle) == 1:
            return set(self.grams.get(needle, ()))
        postings = []
        for at in range(len(needle) - 1):
            found = self.grams.get(needle[at:at + 2])
            if found is None:
                return set()
            postings.append(found)
        postings.sort(key=len)
        candidates = set(postings[0]).intersection(*postings[1:])
        if len(needle) == 2:
            return candidates
        values = self.values
        return {position for position in candidates if needle in values[position]}


class SearchIndex:
    """The folded fields of every item of *catalog*, and their list rows."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        items = catalog.items
        self.rows = tuple(item_row(item) for item in items)
        self.name = _Field([fold(item.name) for item in items])
        self.fields = (
            _Field([fold(" ".join(item.tags)) + "|" + fold(item.id) for item in items]),
            _Field([fold(item.responsible_body) + "|" + fold(item.handler) for item in items]),
            _Field(["|".join(fold(material) for material in item.materials)
                    for item in items]),
        )

    def find(self, query: str) -> list[int]:
        """Positions of the items matching *query*, best first (as
        :func:`powerlist.search` ranks them)."""
        terms = [fold(word) for word in unicodedata.normalize("NFKC", query).split()]
        whole = "".join(terms)
        if not whole:
            return []
        ranked = [self.name.having(whole)]
        if len(terms) > 1:
            ranked.append(_every(self.name, terms))
        ranked.extend(field.having(whole) for field in self.fields)
        if len(terms) > 1 or "|" in whole:  # else the whole text finds nothing new
            ranked.append(self._everywhere(terms))
        order: list[int] = []
        seen: set[int] = set()
        for found in ranked:
            fresh = found - seen
            if fresh:
                order.extend(sorted(fresh))
                seen |= fresh
        return order

    def _everywhere(self, terms: list[str]) -> set[int]:
        """Items whose fields, joined, contain every one of *terms*."""
        if any("|" in term for term in terms):  # may span two fields: look at each item
            joined = ["|".join(parts) for parts in zip(self.name.values,
                                                     *(f.values for f in self.fields),
                                                     strict=True)]
            return {position for position, text in enumerate(joined)
                    if all(term in text for term in terms)}
        common: set[int] | None = None
        for term in terms:
            having = self.name.having(term).union(*(f.having(term) for f in self.fields))
            common = having if common is None else common & having
            if not common:
                return set()
        return common or set()


def _every(field: _Field, terms: list[str]) -> set[int]:
    """Items whose *field* contains every one of *terms*."""
    common = field.having(terms[0])
    for term in terms[1:]:
        if not common:
            break
        common &= field.having(term)
    return common


class SearchViewModel:
    def __init__(self) -> None:
        self.query = ""
        self.results: list[ListRow] = []
        self.found = 0  # matches in all; at most RESULTS_SHOWN of them in results
        self.seconds = 0.0
        self._index: SearchIndex | None = None

    @staticmethod
    def keywords(catalog: Catalog, count: int = KEYWORDS_SHOWN) -> list[str]:
        """The tags most items share, short ones first among equals: the words
        offered as buttons."""
        tally = Counter(tag for item in catalog.items for tag in item.tags if len(tag) <= 4)
        ranked = sorted(tally.items(), key=lambda pair: (-pair[1], len(pair[0]), pair[0]))
        return [tag for tag, _ in ranked[:count]]

    def index(self, catalog: Catalog) -> SearchIndex:
        """The index of *catalog*, built on its first search."""
        if self._index is None or self._index.catalog is not catalog:
            self._index = SearchIndex(catalog)
        return self._index

    def items(self, catalog: Catalog, query: str) -> list[PowerItem]:
        """Every item matching *query*, best first."""
        return [catalog.items[position] for position in self.index(catalog).find(query)]

    def run(self, catalog: Catalog, query: str) -> list[ListRow]:
        index = self.index(catalog)  # built once per catalog, outside the timing
        started = time.perf_counter()
        self.query = query
        found = index.find(query)
        self.found = len(found)
        rows = index.rows
        self.results = [rows[position] for position in found[:RESULTS_SHOWN]]
        self.seconds = time.perf_counter() - started
        return self.results

    @property
    def summary(self) -> str:
        if not self.query.strip():
            return "点一个词，或者输入要办的事。"
        if not self.results:
            return f"没有找到“{self.query}”。可以换个词试试，或者问村里的代办员。"
        if self.found > len(self.results):
            return (f"“{self.query}”：找到 {self.found} 项，先列出 {len(self.results)} 项。"
                    "换个更具体的词，可以找得更准。")
        return f"“{self.query}”：找到 {len(self.results)} 项"
