"""Quick judgements on a frame: is the camera blind (dark, covered,
featureless), and is this the same document as before: a perceptual
fingerprint of the sheet in the frame (a difference hash), and the distance
between two fingerprints."""

from __future__ import annotations

import string

from PIL import Image, ImageFilter, ImageStat

#: Mean brightness (0-255) below which a frame is too dark to show a document.
DARK_MEAN = 40.0
#: Standard deviation of brightness below which a frame shows no detail.
UNIFORM_STDDEV = 5.0
#: ... and below which a dark frame is not a dark room but a covered lens
#: (a dark room still shows the faint shapes of the tray and the sheet).
COVERED_STDDEV = 2.5
#: Frames are judged on a copy this small: fast at any size, and sensor noise averages out.
CHECK_SIZE = (160, 120)
#: Fingerprint bits that may differ between two photos of the same document;
#: more suggests another document. On 200 simulated documents, photographed
#: again, with a hand in the frame, moved by 2-3 % of the frame, or both, the
#: same document never differed by more than 11 bits; one bit of margin on
#: top. 2.8 % of pairs of different simulated documents come this close
#: (the median pair differs by 22): a likely-swap flag, not a proof.
#: Check it against real photos from the station's camera.
LIKELY_SAME_MAX_DISTANCE = 12

_HASH_WIDTH, _HASH_HEIGHT = 9, 8
#: The sheet is what is at least this bright, relative to the brightest part of the frame.
SHEET_LEVEL = 0.8
#: A bright region smaller than this (fraction of each side) is not taken for the sheet.
SHEET_MIN_SIDE = 0.25
#: The sheet is looked for on a copy this small.
SHEET_GRID = (320, 240)


def _gray(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.mode != "L":
        image = image.convert("L")
    return image.resize(size, Image.Resampling.BOX)


def _percentile(image: Image.Image, fraction: float) -> int:
    """The level below which *fraction* of a grayscale *image*'s pixels lie."""
    wanted, seen = fraction * image.width * image.height, 0
    for level, count in enumerate(image.histogram()):
        seen += count
        if seen >= wanted:
            return level
    return 255


def looks_blocked(image: Image.Image) -> str | None:
    """Why *image* cannot show the document (covered lens, lamp off, nothing
    in focus), or None if it can."""
    stat = ImageStat.Stat(_gray(image, CHECK_SIZE))
    mean, stddev = stat.mean[0], stat.stddev[0]
    if mean < DARK_MEAN and stddev < COVERED_STDDEV:
        return (f"the camera sees only black, without any detail (brightness {mean:.0f}/255): "
                "something covers the lens; uncover it")
    if mean < DARK_MEAN:
        return (f"the picture is too dark (brightness {mean:.0f}/255): "
                "switch on the lamp over the seal station")
    if stddev < UNIFORM_STDDEV:
        return (f"the picture is one flat colour (brightness {mean:.0f}/255, no detail): "
                "something is in front of the lens, or the camera is badly out of focus")
    return None


def sheet_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Where the sheet of paper lies in *image* (left, top, right, bottom in
    its pixels): the box around its brightest region, specks ignored. None
    if no bright region is large enough to be a sheet."""
    small = _gray(image, SHEET_GRID)
    threshold = SHEET_LEVEL * _percentile(small, 0.98)
    mask = small.point(lambda level: 255 if level >= threshold else 0)
    box = mask.filter(ImageFilter.MinFilter(5)).getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    width, height = SHEET_GRID
    if (right - left) < SHEET_MIN_SIDE * width or (bottom - top) < SHEET_MIN_SIDE * height:
        return None
    # The erosion took two cells off each side; give them back, then scale up.
    left, top = max(0, left - 2), max(0, top - 2)
    right, bottom = min(width, right + 2), min(height, bottom + 2)
    scale_x, scale_y = image.width / width, image.height / height
    return (round(left * scale_x), round(top * scale_y),
            round(right * scale_x), round(bottom * scale_y))


def fingerprint(image: Image.Image) -> str:
    """A 64-bit difference hash of the sheet in *image*, as 16 hex digits.

    The frame is cropped to the sheet (:func:`sheet_box`; the whole frame if
    none is found), reduced to a 9x8 grayscale image, and each bit says
    whether a cell is brighter than its right neighbour. Photos of the same
    document give fingerprints a few bits apart, whatever the resolution and
    wherever the sheet lies on the tray.
    """
    gray = image if image.mode == "L" else image.convert("L")
    box = sheet_box(gray)
    small = _gray(gray.crop(box) if box else gray, (_HASH_WIDTH, _HASH_HEIGHT))
    levels = small.tobytes()
    bits = 0
    for row in range(_HASH_HEIGHT):
        for column in range(_HASH_WIDTH - 1):
            left = levels[row * _HASH_WIDTH + column]
            right = levels[row * _HASH_WIDTH + column + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def fingerprint_distance(a: str, b: str) -> int:
    """How many of the 64 bits differ between fingerprints *a* and *b*."""
    for value in (a, b):
        if len(value) != 16 or not all(digit in string.hexdigits for digit in value):
            raise ValueError(f"a fingerprint is 16 hex digits, got {value!r}")
    return (int(a, 16) ^ int(b, 16)).bit_count()
