"""Finding and loading a font with Chinese glyphs for raster printing and previews."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageFont

from hardware.errors import PrinterFontError

#: Where Debian, Raspberry Pi OS and a few other distributions install CJK fonts,
#: best first. The first two come from the ``fonts-noto-cjk`` package.
KNOWN_CJK_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
)

# Font collections hold several faces; TrueType collections have at most a few dozen.
_MAX_FACES = 32


def find_cjk_font(candidates: Sequence[Path] | None = None) -> Path:
    """Return the first existing font file among ``candidates`` (default :data:`KNOWN_CJK_FONTS`).

    Raises :class:`PrinterFontError` naming every path tried.
    """
    paths = tuple(Path(p) for p in (KNOWN_CJK_FONTS if candidates is None else candidates))
    for path in paths:
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in paths) or "(no paths given)"
    raise PrinterFontError(
        f"no font with Chinese glyphs found (tried: {tried}); "
        "install fonts-noto-cjk (sudo apt install fonts-noto-cjk) or set the printer font path"
    )


def load_cjk_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """Load ``path`` at ``size`` pixels, choosing the Simplified Chinese face of a collection."""
    path = Path(path)
    if not path.is_file():
        raise PrinterFontError(
            f"font file {path} does not exist; install fonts-noto-cjk or fix the font path"
        )
    try:
        return ImageFont.truetype(str(path), size, index=_simplified_chinese_face(path))
    except OSError as exc:
        raise PrinterFontError(f"{path} is not a usable font file: {exc}") from exc


@functools.cache
def _simplified_chinese_face(path: Path) -> int:
    """Index of the face whose family name ends in "SC" (e.g. "Noto Sans CJK SC"), else 0."""
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return 0
    for index in range(_MAX_FACES):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and family.split()[-1] == "SC":
            return index
    return 0
