"""The raster renderer, which is also the print preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pyzbar.pyzbar import ZBarSymbol, decode

from hardware.errors import PrinterFontError
from hardware.printer import (
    PaperWidth,
    QRCode,
    Receipt,
    Text,
    find_cjk_font,
    render_preview,
)


def black_pixels(image: Image.Image) -> int:
    return image.convert("L").histogram()[0]


def black_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the black pixels."""
    return ImageChops.invert(image.convert("L")).getbbox()


@pytest.mark.parametrize("paper", list(PaperWidth))
def test_preview_is_as_wide_as_the_paper_and_its_qr_code_scans(
    paper: PaperWidth, sample: Receipt, cjk_font: Path, decode_qr
) -> None:
    image = render_preview(sample, paper, cjk_font)

    assert image.width == {58: 384, 80: 576}[paper]
    assert image.mode == "1"
    assert decode_qr(image) == ["VE-0001"]


def test_qr_modules_are_at_least_four_dots(cjk_font: Path) -> None:
    # "VE-0001" at error correction M is a version 1 code: 21 x 21 modules.
    image = render_preview(Receipt((QRCode("VE-0001"),)), 58, cjk_font)

    [symbol] = decode(image.convert("L"), symbols=[ZBarSymbol.QRCODE])
    assert symbol.rect.width >= 21 * 4
    # Centred: equal space left and right, to within one module.
    left = symbol.rect.left
    right = image.width - symbol.rect.left - symbol.rect.width
    assert abs(left - right) <= 6


def test_long_url_qr_still_scans_on_58_mm(cjk_font: Path, decode_qr) -> None:
    url = "https://cunwu.example.gov.cn/v/330106001/list?item=" + "0123456789" * 6

    image = render_preview(Receipt((QRCode(url, caption="扫码查看"),)), 58, cjk_font)

    assert decode_qr(image) == [url]


def test_too_much_qr_data_for_the_paper_is_refused(cjk_font: Path) -> None:
    with pytest.raises(ValueError, match="shorten the data"):
        render_preview(Receipt((QRCode("x" * 1500),)), 58, cjk_font)


def test_title_is_drawn_in_chinese_glyphs(cjk_font: Path) -> None:
    printed = render_preview(Receipt((), title="打印测试"), 58, cjk_font)
    other = render_preview(Receipt((), title="村务终端"), 58, cjk_font)
    blank = render_preview(Receipt(()), 58, cjk_font)

    assert black_pixels(blank) == 0
    box = black_box(printed)
    assert box is not None
    left, top, right, bottom = box
    assert bottom - top >= 36  # large title: about 48 dots high
    assert abs((left + right) / 2 - 192) <= 4  # centred
    # Missing glyphs would all be the same box ("tofu"); real glyphs differ.
    assert ImageChops.difference(printed.convert("L"), other.convert("L")).getbbox() is not None


def test_large_text_is_bigger_than_normal_text(cjk_font: Path) -> None:
    normal = black_box(render_preview(Receipt((Text("打印"),)), 58, cjk_font))
    large = black_box(render_preview(Receipt((Text("打印", large=True),)), 58, cjk_font))

    assert normal is not None and large is not None
    assert (large[3] - large[1]) >= 1.7 * (normal[3] - normal[1])
    assert (large[2] - large[0]) >= 1.7 * (normal[2] - normal[0])


def test_bold_text_is_blacker(cjk_font: Path) -> None:
    normal = render_preview(Receipt((Text("村务终端"),)), 58, cjk_font)
    bold = render_preview(Receipt((Text("村务终端", bold=True),)), 58, cjk_font)

    assert black_pixels(bold) > 1.3 * black_pixels(normal)


@pytest.mark.parametrize(("align", "side"), [("left", "left"), ("right", "right")])
def test_alignment(align: str, side: str, cjk_font: Path) -> None:
    image = render_preview(Receipt((Text("村务", align=align),)), 58, cjk_font)  # type: ignore[arg-type]

    box = black_box(image)
    assert box is not None
    if side == "left":
        assert box[0] < 20 and box[2] < 192
    else:
        assert box[0] > 192 and box[2] > image.width - 20


@pytest.mark.parametrize("paper", list(PaperWidth))
def test_long_chinese_text_wraps_inside_the_paper(paper: PaperWidth, cjk_font: Path) -> None:
    text = "村务公开栏显示本村小微权力清单事项办理流程和监督电话，群众可以扫码查询办理进度。" * 2
    one_line = render_preview(Receipt((Text("村务"),)), paper, cjk_font)

    image = render_preview(Receipt((Text(text),)), paper, cjk_font)

    box = black_box(image)
    assert box is not None
    assert box[0] >= 4 and box[2] <= paper.dots - 4  # nothing runs off the edges
    assert image.height >= one_line.height + 3 * 24  # it took several lines


def test_missing_font_file_raises_printer_font_error(tmp_path: Path) -> None:
    missing = tmp_path / "NotoSansCJK-Regular.ttc"

    with pytest.raises(PrinterFontError, match="fonts-noto-cjk") as raised:
        render_preview(Receipt((Text("打印"),)), 58, missing)

    assert str(missing) in str(raised.value)
    assert isinstance(raised.value, FileNotFoundError)


def test_a_file_that_is_not_a_font_raises_printer_font_error(tmp_path: Path) -> None:
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("not a font")

    with pytest.raises(PrinterFontError, match=r"font\.ttf"):
        render_preview(Receipt((Text("打印"),)), 58, not_a_font)


def test_find_cjk_font_names_every_path_tried(tmp_path: Path) -> None:
    tried = [tmp_path / "a.ttc", tmp_path / "b.ttf"]

    with pytest.raises(PrinterFontError) as raised:
        find_cjk_font(tried)

    message = str(raised.value)
    assert str(tried[0]) in message and str(tried[1]) in message
    assert "install fonts-noto-cjk" in message


def test_find_cjk_font_returns_the_first_existing_candidate(tmp_path: Path, cjk_font: Path) -> None:
    assert find_cjk_font([tmp_path / "missing.ttc", cjk_font]) == cjk_font


def test_default_search_finds_the_installed_noto_font() -> None:
    assert find_cjk_font().name == "NotoSansCJK-Regular.ttc"
