"""Finding items by what a villager types: substring matching (Chinese has no
spaces between words), blind to spaces and full-width letters, with matches
in the item's name ranked first."""

from __future__ import annotations

import unicodedata

from powerlist.model import Catalog, PowerItem


def _fold(text: str) -> str:
    """Full-width to half-width, lower case, no spaces of any kind."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _rank(item: PowerItem, whole: str, terms: list[str]) -> int | None:
    name = _fold(item.name)
    fields = [
        _fold(" ".join(item.tags)) + "|" + _fold(item.id),
        _fold(item.responsible_body) + "|" + _fold(item.handler),
        "|".join(_fold(material) for material in item.materials),
    ]
    if whole in name:
        return 0
    if all(term in name for term in terms):
        return 1
    for rank, field in enumerate(fields, start=2):
        if whole in field:
            return rank
    everything = "|".join([name, *fields])
    if all(term in everything for term in terms):
        return len(fields) + 2
    return None


def search(catalog: Catalog, query: str) -> list[PowerItem]:
    """Items whose name, tags, responsible body or materials contain *query*
    (or each of its space-separated words); name matches first, then tags,
    responsible body, materials; catalog order within each. A blank query
    finds nothing."""
    terms = [_fold(word) for word in unicodedata.normalize("NFKC", query).split()]
    whole = "".join(terms)
    if not whole:
        return []
    ranked = []
    for position, item in enumerate(catalog.items):
        rank = _rank(item, whole, terms)
        if rank is not None:
            ranked.append((rank, position, item))
    return [item for _, _, item in sorted(ranked, key=lambda entry: entry[:2])]
