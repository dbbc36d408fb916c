"""The layout model of a receipt: a title and a sequence of blocks, independent of any printer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    """One paragraph; it is wrapped to the paper width when printed."""

    text: str
    align: Align = "left"
    bold: bool = False
    large: bool = False

    def __post_init__(self) -> None:
        if self.align not in get_args(Align):
            raise ValueError(f"align must be one of {get_args(Align)}, got {self.align!r}")


@dataclass(frozen=True)
class Rule:
    """A divider line across the paper."""


@dataclass(frozen=True)
class QRCode:
    """A QR code, centred, with an optional caption under it."""

    data: str
    caption: str | None = None

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("a QR code needs data")


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise ValueError(f"feed lines must be 0..255, got {self.lines}")


Block = Text | Rule | QRCode | Feed


@dataclass(frozen=True)
class Receipt:
    """What to print: an optional title (large, bold, centred) followed by blocks."""

    blocks: tuple[Block, ...]
    title: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))
        for block in self.blocks:
            if not isinstance(block, Text | Rule | QRCode | Feed):
                raise TypeError(f"not a receipt block: {block!r}")

    @staticmethod
    def build() -> ReceiptBuilder:
        """Start a fluent builder: ``Receipt.build().title("...").text("...").done()``."""
        return ReceiptBuilder()


class ReceiptBuilder:
    """Collects blocks in order; :meth:`done` returns the frozen :class:`Receipt`."""

    def __init__(self) -> None:
        self._title: str | None = None
        self._blocks: list[Block] = []

    def title(self, title: str) -> ReceiptBuilder:
        self._title = title
        return self

    def text(
        self, text: str, *, align: Align = "left", bold: bool = False, large: bool = False
    ) -> ReceiptBuilder:
        self._blocks.append(Text(text, align=align, bold=bold, large=large))
        return self

    def rule(self) -> ReceiptBuilder:
        self._blocks.append(Rule())
        return self

    def qr(self, data: str, caption: str | None = None) -> ReceiptBuilder:
        self._blocks.append(QRCode(data, caption))
        return self

    def feed(self, lines: int = 1) -> ReceiptBuilder:
        self._blocks.append(Feed(lines))
        return self

    def done(self) -> Receipt:
        return Receipt(tuple(self._blocks), title=self._title)
