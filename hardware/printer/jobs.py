"""Turning a receipt into the ESC/POS byte stream of one print job.

A job is assembled completely in memory (an escpos ``Dummy``) before anything
reaches the printer, so a rendering error never leaves half a receipt on paper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PIL import Image

from hardware.printer.paper import PaperWidth
from hardware.printer.qr import module_dots, qr_matrix
from hardware.printer.receipt import Block, Feed, QRCode, Receipt, Rule, Text
from hardware.printer.wrap import wrap_text

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"
LF = b"\n"

CHINESE_MODE_ON = FS + b"&"  # FS &: two-byte characters (GB2312/GB18030 on Chinese printers)
CHINESE_MODE_OFF = FS + b"."  # FS .
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD = {False: ESC + b"E\x00", True: ESC + b"E\x01"}
SIZE = {False: GS + b"!\x00", True: GS + b"!\x11"}  # GS !: normal / double width and height
RULE_CHAR = "-"

if TYPE_CHECKING:
    from escpos.printer import Dummy


def gb18030_job(receipt: Receipt, paper: PaperWidth, profile: Any) -> bytes:
    """Text-mode job: Chinese as GB18030 bytes in the printer's Chinese mode, native QR codes."""
    out = _buffer(profile, paper)
    out.hw("INIT")
    out._raw(CHINESE_MODE_ON)
    if receipt.title:
        _write_text(out, Text(receipt.title, align="center", bold=True, large=True), paper)
        out._raw(LF)
    for block in receipt.blocks:
        _write_block(out, block, paper)
    out._raw(ALIGN["left"] + BOLD[False] + SIZE[False] + CHINESE_MODE_OFF)
    out.cut()
    return bytes(out.output)


def raster_job(image: Image.Image, paper: PaperWidth, profile: Any) -> bytes:
    """Raster-mode job: the rendered receipt as a GS v 0 raster bit image."""
    if image.width != paper.dots:
        raise ValueError(
            f"image is {image.width} dots wide, {int(paper)} mm paper needs {paper.dots}"
        )
    out = _buffer(profile, paper)
    out.hw("INIT")
    out.image(image, impl="bitImageRaster")
    out.cut()
    return bytes(out.output)


def _write_block(out: Dummy, block: Block, paper: PaperWidth) -> None:
    if isinstance(block, Text):
        _write_text(out, block, paper)
    elif isinstance(block, Rule):
        out._raw(ALIGN["left"] + BOLD[False] + SIZE[False])
        out._raw((RULE_CHAR * paper.columns).encode("ascii") + LF)
    elif isinstance(block, QRCode):
        from escpos.constants import QR_ECLEVEL_M  # same error correction as the raster code

        size = module_dots(len(qr_matrix(block.data)), paper.dots)
        out._raw(ALIGN["center"])
        out.qr(block.data, ec=QR_ECLEVEL_M, size=size, native=True)
        out._raw(LF)
        if block.caption:
            _write_text(out, Text(block.caption, align="center"), paper)
    elif isinstance(block, Feed):
        if block.lines:
            out.print_and_feed(block.lines)
    else:
        raise TypeError(f"not a receipt block: {block!r}")


def _write_text(out: Dummy, block: Text, paper: PaperWidth) -> None:
    columns = paper.columns // 2 if block.large else paper.columns
    out._raw(ALIGN[block.align] + BOLD[block.bold] + SIZE[block.large])
    for line in wrap_text(block.text, columns, title=block.align == "center"):
        out._raw(line.encode("gb18030") + LF)
    out._raw(BOLD[False] + SIZE[False])


def _buffer(profile: Any, paper: PaperWidth) -> Dummy:
    """An in-memory printer with the connection's capabilities and this paper's width."""
    # Imported here: importing python-escpos reads and caches its printer database.
    from escpos.capabilities import get_profile_class
    from escpos.printer import Dummy

    # python-escpos checks images against profile_data["media"]["width"]["pixels"]
    # (and prints a warning when it is unknown). The class-level profile_data is
    # shared by every printer of that model, so a copy is set on a fresh instance.
    job_profile = get_profile_class("default")()
    job_profile.__dict__.update(vars(profile))
    media = dict(profile.profile_data.get("media", {}))
    media["width"] = {"mm": int(paper), "pixels": paper.dots}
    job_profile.profile_data = {**profile.profile_data, "media": media}
    buffer = Dummy()
    buffer.profile = job_profile
    return buffer
