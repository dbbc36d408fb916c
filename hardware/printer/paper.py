"""Paper roll widths of 203 dpi thermal printers and what fits on them."""

from __future__ import annotations

from enum import IntEnum


class PaperWidth(IntEnum):
    """A paper roll, named by its width in millimetres.

    ``PaperWidth(58)`` and ``PaperWidth(80)`` both work, and the members compare
    equal to the plain integers.
    """

    MM58 = 58
    MM80 = 80

    @property
    def dots(self) -> int:
        """Printable width in dots at 203 dpi."""
        return 384 if self is PaperWidth.MM58 else 576

    @property
    def columns(self) -> int:
        """Half-width columns per line in text mode with Font A (12x24 dots)."""
        return self.dots // 12
