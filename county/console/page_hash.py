"""Is the page in a stamp's photo the page the approver saw? A perceptual
hash of the page in a photo, computed at the county from the photos
themselves (not the station's own fingerprint: a station that lies would
lie there too).

How: the page is found as the box around the brightest neutral region
(paper under the station's lamp: bright in its weakest colour, which a
hand or the desk is not); the box is cut into 96x48 cells. Each cell is
*masked* when part of it is coloured (a hand, a sleeve, the red of a fresh
stamp: what is expected to differ between the document and the stamped
page); each other cell is one bit, set where there is ink (the cell darker
than the paper). Two hashes are compared only on the cells neither masks:
of the cells with ink in either, the share that has it in only one. About
5 % for two photos of one page, about two thirds for two different pages.

:data:`DIFFERENT_AT` was measured on the simulated camera's photos
(tests/county/console/test_supervisor_page_hash.py measures again);
docs/console.md, "A stamped page that differs", says what it cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from county.console.images import UnreadableImage, decoding, open_rgb
from county.errors import CountyError

if TYPE_CHECKING:
    from PIL.Image import Image

GRID = (96, 48)  # cells across and down: fine enough for the gaps between words
WORK_SIZE = (320, 240)  # the page is looked for on a copy this small
PAPER_LEVEL = 0.75  # paper is at least this bright (weakest colour), relative to the brightest
COLOURED = 48  # a pixel whose strongest and weakest colours differ this much is coloured
MASKED_SHARE = 0.1  # a cell this much coloured is masked
INK_LEVEL = 0.85  # a cell darker than this share of the paper's level has ink
#: Two pages differ when at least this share of the bits compared differ.
#: Measured on the simulated camera's photos (40 documents, each photographed
#: again with a hand over a quarter of it, moved by 2-3 % of the frame, or
#: both): one page differed from itself by at most 0.12 (mean 0.05); two
#: different pages by at least 0.32 (median 0.67), but for 2 of the 780
#: pairs: forms of the same kind (one paragraph and two ID copies) that
#: differ only in a few words, at 0.10-0.16, which this cannot tell apart.
#: The line is drawn nearer one page's side, as a missed swap costs more
#: than a look at a page that turns out to be the same.
DIFFERENT_AT = 0.22
#: Fewer cells than this share left unmasked in either photo: cannot tell.
MIN_COMPARED = 0.3


class NotAPage(CountyError, ValueError):
    """The photo cannot be read as an image."""


@dataclass(frozen=True)
class PageHash:
    bits: int
    mask: int  # 1: the bit is compared (its cells are not coloured)

    def text(self) -> str:
        return f"{self.bits:x}:{self.mask:x}"

    @classmethod
    def parse(cls, text: str) -> PageHash:
        bits, mask = text.split(":")
        return cls(int(bits, 16), int(mask, 16))


BITS = GRID[0] * GRID[1]


#: The hash of a photo that cannot be opened: no cell compared, so it is
#: never found to differ (like a page mostly covered), and it is kept in the
#: cache like any hash, so the file is not decoded again.
UNREADABLE = PageHash(0, 0)


def page_hash(photo: bytes) -> PageHash:
    """The hash of the page in the JPEG (or PNG) *photo*; :class:`NotAPage`
    if it cannot be opened (:mod:`county.console.images`)."""
    with decoding():
        try:
            rgb = open_rgb(photo)
        except UnreadableImage as error:
            raise NotAPage(str(error)) from None
        return _hash(rgb)


def _hash(rgb: Image) -> PageHash:
    from PIL import Image, ImageChops, ImageFilter

    red, green, blue = rgb.split()
    weakest = ImageChops.darker(ImageChops.darker(red, green), blue)
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    small = weakest.resize(WORK_SIZE, Image.Resampling.BOX)
    brightest = sorted(small.tobytes())[int(0.98 * WORK_SIZE[0] * WORK_SIZE[1])]
    paper = small.point(lambda level: 255 if level >= PAPER_LEVEL * brightest else 0)
    box = paper.filter(ImageFilter.MinFilter(5)).getbbox()
    if box is not None:
        scale_x, scale_y = rgb.width / WORK_SIZE[0], rgb.height / WORK_SIZE[1]
        left, top, right, bottom = box
        box = (round(left * scale_x), round(top * scale_y),
               round(right * scale_x), round(bottom * scale_y))
        weakest, strongest = weakest.crop(box), strongest.crop(box)
    coloured = ImageChops.subtract(strongest, weakest).point(
        lambda spread: 255 if spread >= COLOURED else 0)
    levels = list(weakest.resize(GRID, Image.Resampling.BOX).tobytes())
    colour = list(coloured.resize(GRID, Image.Resampling.BOX).tobytes())
    paper_level = sorted(levels)[int(0.9 * len(levels))]
    bits = mask = 0
    for level, share in zip(levels, colour, strict=True):
        bits = (bits << 1) | (level < INK_LEVEL * paper_level)
        mask = (mask << 1) | (share < 255 * MASKED_SHARE)
    return PageHash(bits, mask)


def difference(a: PageHash, b: PageHash) -> float | None:
    """The share of compared bits that differ between *a* and *b*; None if
    too few cells are left to compare (a page mostly covered)."""
    compared = a.mask & b.mask
    if compared.bit_count() < MIN_COMPARED * BITS:
        return None
    inked = ((a.bits | b.bits) & compared).bit_count()
    if inked == 0:
        return 0.0  # two blank pages
    return ((a.bits ^ b.bits) & compared).bit_count() / inked


def differs(document: PageHash, stamped: PageHash) -> bool | None:
    """Whether the stamped page is another page than the document (None: cannot tell)."""
    share = difference(document, stamped)
    return None if share is None else share >= DIFFERENT_AT
