"""The thermal receipt printer of the kiosk.

:mod:`~hardware.printer.receipt` describes what to print, independent of any
printer; :mod:`~hardware.printer.raster` renders it (this is also the print
preview); :class:`ReceiptPrinter` sends it to a python-escpos connection made
by :func:`open_connection` from :class:`PrinterSettings`.

The names below are imported from their modules when first asked for, so
that a program wanting only what a receipt says (:mod:`.receipt`) or the
printer's settings (:mod:`.settings`) does not load the imaging and QR
libraries the rendering needs: the kiosk's first frame does not wait for
them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hardware.printer.connection import open_connection, open_printer
    from hardware.printer.device import ReceiptPrinter
    from hardware.printer.fonts import KNOWN_CJK_FONTS, find_cjk_font
    from hardware.printer.paper import PaperWidth
    from hardware.printer.raster import render_preview
    from hardware.printer.receipt import (
        Align,
        Block,
        Feed,
        QRCode,
        Receipt,
        ReceiptBuilder,
        Rule,
        Text,
    )
    from hardware.printer.samples import sample_test_receipt
    from hardware.printer.settings import ChineseMode, PrinterSettings
    from hardware.printer.status import PaperState, PrinterStatus
    from hardware.printer.wrap import display_width, wrap_text

#: Each public name and the module of this package that defines it.
_HOMES = {
    "open_connection": "connection", "open_printer": "connection",
    "ReceiptPrinter": "device",
    "KNOWN_CJK_FONTS": "fonts", "find_cjk_font": "fonts",
    "PaperWidth": "paper",
    "render_preview": "raster",
    **{name: "receipt" for name in ("Align", "Block", "Feed", "QRCode", "Receipt",
                                     "ReceiptBuilder", "Rule", "Text")},
    "sample_test_receipt": "samples",
    "ChineseMode": "settings", "PrinterSettings": "settings",
    "PaperState": "status", "PrinterStatus": "status",
    "display_width": "wrap", "wrap_text": "wrap",
}

__all__ = [
    "KNOWN_CJK_FONTS",
    "Align",
    "Block",
    "ChineseMode",
    "Feed",
    "PaperState",
    "PaperWidth",
    "PrinterSettings",
    "PrinterStatus",
    "QRCode",
    "Receipt",
    "ReceiptBuilder",
    "ReceiptPrinter",
    "Rule",
    "Text",
    "display_width",
    "find_cjk_font",
    "open_connection",
    "open_printer",
    "render_preview",
    "sample_test_receipt",
    "wrap_text",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
