"""A :class:`hardware.printer.Receipt` as JSON and back, so that a print job
can wait on disk and still be printed on whatever paper the printer has."""

from __future__ import annotations

from typing import Any

from hardware.printer import Feed, QRCode, Receipt, Rule, Text
from hardware.printer.receipt import Block
from kiosk.errors import KioskError

FORMAT_VERSION = 1


class ReceiptCodecError(KioskError, ValueError):
    """Stored JSON that is not a receipt this version can print."""


def _block_to_dict(block: Block) -> dict[str, Any]:
    if isinstance(block, Text):
        return {"type": "text", "text": block.text, "align": block.align, "bold": block.bold,
                "large": block.large}
    if isinstance(block, Rule):
        return {"type": "rule"}
    if isinstance(block, QRCode):
        return {"type": "qr", "data": block.data, "caption": block.caption}
    if isinstance(block, Feed):
        return {"type": "feed", "lines": block.lines}
    raise TypeError(f"not a receipt block: {block!r}")


def receipt_to_dict(receipt: Receipt) -> dict[str, Any]:
    return {"v": FORMAT_VERSION, "title": receipt.title,
            "blocks": [_block_to_dict(block) for block in receipt.blocks]}


def _block_from_dict(data: Any) -> Block:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "text":
        return Text(str(data["text"]), align=data.get("align", "left"),
                    bold=bool(data.get("bold")), large=bool(data.get("large")))
    if kind == "rule":
        return Rule()
    if kind == "qr":
        return QRCode(str(data["data"]), data.get("caption"))
    if kind == "feed":
        return Feed(int(data.get("lines", 1)))
    raise ReceiptCodecError(f"unknown receipt block {data!r}")


def receipt_from_dict(data: Any) -> Receipt:
    """The receipt in *data*; :class:`ReceiptCodecError` naming what is wrong."""
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        raise ReceiptCodecError(f"not a version {FORMAT_VERSION} receipt")
    try:
        blocks = tuple(_block_from_dict(block) for block in data["blocks"])
        return Receipt(blocks, title=data.get("title"))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ReceiptCodecError):
            raise
        raise ReceiptCodecError(f"malformed receipt: {error!r}") from None
