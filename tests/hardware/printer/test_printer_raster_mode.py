"""Raster mode: the rendered receipt goes to the printer as a GS v 0 image."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy, File
from PIL import Image, ImageChops

from hardware.errors import PrinterFontError
from hardware.printer import PaperWidth, Receipt, ReceiptPrinter

INIT = b"\x1b@"
RASTER = b"\x1dv0"
CUT = b"\x1dV\x00"


def raster_print(receipt: Receipt, paper: int, font: Path) -> bytes:
    connection = Dummy()
    with ReceiptPrinter(connection, paper=paper, chinese="raster", font_path=font) as printer:
        printer.print(receipt)
    return connection.output


def test_stream_is_a_raster_image_with_no_gb18030_text(sample: Receipt, cjk_font: Path) -> None:
    output = raster_print(sample, 58, cjk_font)

    assert output.startswith(INIT)
    assert RASTER in output
    assert output.endswith(CUT)
    assert "打印测试".encode("gb18030") not in output
    assert "村务终端打印机工作正常".encode("gb18030") not in output
    assert b"\x1c&" not in output  # never enters Chinese character mode
    assert b"\x1d(k" not in output  # the QR code is part of the image


@pytest.mark.parametrize("paper", list(PaperWidth))
def test_printed_image_is_the_preview_and_its_qr_scans(
    paper: PaperWidth, sample: Receipt, cjk_font: Path, read_raster, decode_qr
) -> None:
    printed = read_raster(raster_print(sample, paper, cjk_font))
    printer = ReceiptPrinter(Dummy(), paper=paper, font_path=cjk_font)
    preview = printer.preview(sample).convert("L")

    assert printed.width == paper.dots
    assert printed.size == preview.size
    assert ImageChops.difference(printed, preview).getbbox() is None
    assert decode_qr(printed) == ["VE-0001"]


def test_file_connection_gets_the_same_raster(
    sample: Receipt, cjk_font: Path, tmp_path: Path, read_raster, decode_qr
) -> None:
    path = tmp_path / "printer.bin"
    printer = ReceiptPrinter(File(str(path)), paper=80, font_path=cjk_font)

    printer.print(sample)
    printer.close()

    assert decode_qr(read_raster(path.read_bytes())) == ["VE-0001"]


def test_missing_font_raises_and_sends_nothing(sample: Receipt, tmp_path: Path) -> None:
    connection = Dummy()
    printer = ReceiptPrinter(connection, font_path=tmp_path / "missing.ttc")

    with pytest.raises(PrinterFontError, match="fonts-noto-cjk"):
        printer.print(sample)

    assert connection.output == b""


@pytest.mark.parametrize("chinese", ["gb18030", "raster"])
def test_save_preview_writes_a_png_whatever_the_mode(
    chinese: str, sample: Receipt, cjk_font: Path, tmp_path: Path, decode_qr
) -> None:
    printer = ReceiptPrinter(Dummy(), paper=80, chinese=chinese, font_path=cjk_font)  # type: ignore[arg-type]

    path = printer.save_preview(sample, tmp_path / "previews" / "self-test.png")

    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == 576
        assert decode_qr(image) == ["VE-0001"]
