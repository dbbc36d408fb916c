"""Display width in text-mode columns: a Chinese character takes two."""

from __future__ import annotations

import unicodedata

# "A" (ambiguous) characters such as "×", "°" or "—" are double-byte in GB18030
# and print full-width on Chinese printers, so they count as two columns.
_WIDE = frozenset({"W", "F", "A"})


def char_width(char: str) -> int:
    """Columns taken by one character in text mode: 0, 1 or 2."""
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf", "Cc"}:
        return 0
    return 2 if unicodedata.east_asian_width(char) in _WIDE else 1


def display_width(text: str) -> int:
    """Columns taken by ``text`` in text mode (half-width = 1, CJK full-width = 2)."""
    return sum(char_width(char) for char in text)
