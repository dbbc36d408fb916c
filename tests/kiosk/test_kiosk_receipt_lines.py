"""Every slip the kiosk prints, broken into lines as the printer breaks them
(text mode by columns, raster mode by the receipt font's pixels), on both
paper widths: no line starts with closing punctuation, ends with opening
punctuation or parts a number from its unit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chinese_text import line_faults
from hardware.printer import PaperWidth, Receipt, Text, sample_test_receipt, wrap_text
from hardware.printer.fonts import find_cjk_font, load_cjk_font
from hardware.printer.raster import LARGE_SIZE, NORMAL_SIZE, SIDE_MARGIN
from kiosk import standins
from kiosk.services.complaints import ComplaintReceipt
from kiosk.services.receipts import complaint_receipt, service_guide
from powerlist import load_sample
from protocol import tracking


def every_receipt() -> list[Receipt]:
    """The guide slip of every sample item (as wired and as the stand-in
    prints it), both complaint receipts, the printer's test slip."""
    catalog = load_sample()
    receipts = [service_guide(item, {}, printed=datetime(2024, 6, 7, 9, 30))
                for item in catalog.items]
    receipts += [standins.GuideSlips().service_guide(item, (), 58) for item in catalog.items]
    for kind in ("complaint", "whistle"):
        code = tracking.new_code()
        receipts.append(complaint_receipt(ComplaintReceipt(
            code, kind, date(2024, 6, 7), date(2024, 6, 28),  # type: ignore[arg-type]
            tracking.qr_content(code), "e1", anonymous=True)))
    receipts.append(sample_test_receipt("kiosk-01", "示范村", datetime(2024, 6, 7, 9, 30)))
    return receipts


def paragraphs(receipt: Receipt) -> list[Text]:
    title = [Text(receipt.title, "center", True, True)] if receipt.title else []
    return title + [block for block in receipt.blocks if isinstance(block, Text)]


@pytest.mark.parametrize("paper", list(PaperWidth), ids=lambda p: f"{p.name}")
def test_no_printed_line_breaks_the_chinese_rules(paper: PaperWidth) -> None:
    path = find_cjk_font()
    fonts = {False: load_cjk_font(path, NORMAL_SIZE), True: load_cjk_font(path, LARGE_SIZE)}
    faults = []
    checked = 0
    for receipt in every_receipt():
        for block in paragraphs(receipt):
            title = block.align == "center"
            columns = paper.columns // 2 if block.large else paper.columns
            font, stroke = fonts[block.large], 1 if block.bold else 0

            def measure(text: str, font=font, stroke=stroke) -> float:  # type: ignore[no-untyped-def]
                return float(font.getlength(text)) + 2 * stroke

            for lines in (wrap_text(block.text, columns, title=title),
                          wrap_text(block.text, paper.dots - 2 * SIDE_MARGIN, measure,
                                    title=title)):
                checked += len(lines)
                faults += [f"{receipt.title}: {fault}" for fault in line_faults(lines)]
    assert checked > 500
    assert faults == []
