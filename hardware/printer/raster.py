"""Rendering a :class:`~hardware.printer.receipt.Receipt` to a black-and-white image.

The image is exactly as wide as the paper's printable dots, so it is both what
raster mode sends to the printer and the print preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from hardware.printer.fonts import find_cjk_font, load_cjk_font
from hardware.printer.paper import PaperWidth
from hardware.printer.qr import module_dots, qr_matrix
from hardware.printer.receipt import Block, Feed, QRCode, Receipt, Rule, Text
from hardware.printer.wrap import wrap_text

NORMAL_SIZE = 24  # pixels, the height of the printer's own Font A
LARGE_SIZE = 48  # double height and width, as in text mode
SIDE_MARGIN = 8  # dots left blank at each side for text
PAPER_MARGIN = 16  # blank dots above and below the whole receipt
RULE_THICKNESS = 2
WHITE = 255
BLACK = 0


@dataclass(frozen=True)
class _Fonts:
    normal: ImageFont.FreeTypeFont
    large: ImageFont.FreeTypeFont


def render_preview(
    receipt: Receipt, paper: PaperWidth | int = PaperWidth.MM58, font_path: Path | None = None
) -> Image.Image:
    """Render ``receipt`` as a mode "1" image ``paper.dots`` wide.

    ``font_path`` None searches the known CJK font paths; a missing font raises
    :class:`~hardware.errors.PrinterFontError`.
    """
    paper = PaperWidth(paper)
    path = font_path if font_path is not None else find_cjk_font()
    fonts = _Fonts(load_cjk_font(path, NORMAL_SIZE), load_cjk_font(path, LARGE_SIZE))
    parts: list[Image.Image] = [_blank(paper.dots, PAPER_MARGIN)]
    if receipt.title:
        parts.append(_render_text(Text(receipt.title, "center", True, True), paper.dots, fonts))
        parts.append(_blank(paper.dots, NORMAL_SIZE // 2))
    parts.extend(_render_block(block, paper.dots, fonts) for block in receipt.blocks)
    parts.append(_blank(paper.dots, PAPER_MARGIN))
    return _stack(parts, paper.dots).convert("1", dither=Image.Dither.NONE)


def _render_block(block: Block, width: int, fonts: _Fonts) -> Image.Image:
    if isinstance(block, Text):
        return _render_text(block, width, fonts)
    if isinstance(block, Rule):
        return _render_rule(width)
    if isinstance(block, QRCode):
        return _render_qr(block, width, fonts)
    if isinstance(block, Feed):
        return _blank(width, _line_height(NORMAL_SIZE) * block.lines)
    raise TypeError(f"not a receipt block: {block!r}")


def _line_height(size: int) -> int:
    return round(size * 1.35)


def _render_text(block: Text, width: int, fonts: _Fonts) -> Image.Image:
    size = LARGE_SIZE if block.large else NORMAL_SIZE
    font = fonts.large if block.large else fonts.normal
    stroke = 1 if block.bold else 0

    def measure(text: str) -> float:
        return font.getlength(text) + 2 * stroke

    lines = wrap_text(block.text, width - 2 * SIDE_MARGIN, measure,
                      title=block.align == "center")
    line_height = _line_height(size)
    image = _blank(width, line_height * len(lines))
    draw = ImageDraw.Draw(image)
    baseline = round(size * 1.1)
    for row, line in enumerate(lines):
        line_width = measure(line)
        if block.align == "center":
            x = (width - line_width) / 2
        elif block.align == "right":
            x = width - SIDE_MARGIN - line_width
        else:
            x = SIDE_MARGIN
        draw.text(
            (x + stroke, row * line_height + baseline),
            line,
            font=font,
            fill=BLACK,
            anchor="ls",
            stroke_width=stroke,
            stroke_fill=BLACK,
        )
    return image


def _render_rule(width: int) -> Image.Image:
    height = NORMAL_SIZE
    image = _blank(width, height)
    top = (height - RULE_THICKNESS) // 2
    ImageDraw.Draw(image).rectangle(
        (SIDE_MARGIN, top, width - SIDE_MARGIN - 1, top + RULE_THICKNESS - 1), fill=BLACK
    )
    return image


def _render_qr(block: QRCode, width: int, fonts: _Fonts) -> Image.Image:
    matrix = qr_matrix(block.data)
    modules = len(matrix)
    dots = module_dots(modules, width)
    code = Image.new("L", (modules, modules), WHITE)
    code.putdata([BLACK if dark else WHITE for row in matrix for dark in row])
    code = code.resize((modules * dots, modules * dots), Image.Resampling.NEAREST)
    parts = [_blank(width, code.height)]
    parts[0].paste(code, ((width - code.width) // 2, 0))
    if block.caption:
        parts.append(_render_text(Text(block.caption, "center"), width, fonts))
    return _stack(parts, width)


def _blank(width: int, height: int) -> Image.Image:
    return Image.new("L", (width, max(height, 0)), WHITE)


def _stack(parts: list[Image.Image], width: int) -> Image.Image:
    image = _blank(width, sum(part.height for part in parts))
    top = 0
    for part in parts:
        image.paste(part, (0, top))
        top += part.height
    return image
