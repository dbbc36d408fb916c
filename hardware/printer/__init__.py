"""The thermal receipt printer of the kiosk.

:mod:`~hardware.printer.receipt` describes what to print, independent of any
printer; :mod:`~hardware.printer.raster` renders it (this is also the print
preview); :class:`ReceiptPrinter` sends it to a python-escpos connection made
by :func:`open_connection` from :class:`PrinterSettings`.
"""

from hardware.printer.connection import PrinterSettings, open_connection, open_printer
from hardware.printer.device import ChineseMode, ReceiptPrinter
from hardware.printer.fonts import KNOWN_CJK_FONTS, find_cjk_font
from hardware.printer.paper import PaperWidth
from hardware.printer.raster import render_preview
from hardware.printer.receipt import Align, Block, Feed, QRCode, Receipt, ReceiptBuilder, Rule, Text
from hardware.printer.samples import sample_test_receipt
from hardware.printer.status import PaperState, PrinterStatus
from hardware.printer.wrap import display_width, wrap_text

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
