"""Lists a device can fill, shown a page at a time: :data:`PAGE_SIZE` items
a page, in the order given (newest first), with "上一页" and "下一页" as
plain links (``?page=N``, the page's other query parameters kept). However
many items a rogue device sends, a page stays small and the newest of them
are reached on the first page or a few links away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

from county.console.web import Call
from county.inputs import whole_or_none

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # from 1
    pages: int
    total: int
    previous: str | None  # the link to the page before, or None on the first
    next: str | None  # the link to the page after, or None on the last


def one_page(call: Call, items: Sequence[T], path: str, size: int = PAGE_SIZE) -> Page[T]:
    """The page of *items* the query's ``page`` asks for (the first if none,
    the last if past it); links are to *path* under the console."""
    pages = max(1, -(-len(items) // size))
    asked = whole_or_none(call.query("page") or "1", low=1, high=10 ** 9) or 1
    number = min(asked, pages)
    kept = {name: value for name, value in call.request.query_params.items() if name != "page"}

    def link(page: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': page})}"

    return Page(items[(number - 1) * size:number * size], number, pages, len(items),
                link(number - 1) if number > 1 else None,
                link(number + 1) if number < pages else None)
