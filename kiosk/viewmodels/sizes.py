"""How big the kiosk draws text and touch targets, from the screen's size in
pixels and its physical size (the diagonal in the configuration).

The national age-friendly rules for apps (工信部 2021, 移动互联网应用适老化
通用设计规范) are in dp, the density-independent pixel: 1 dp is 1/160 inch.
Main text at least 18 dp, main functions at least 30 dp and touch targets
at least 60x60 dp in the elder mode (大字); touch targets at least 44x44 dp
otherwise. The kiosk's small text is at least 18 dp in both modes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_TEXT_DP = 18.0
MIN_MAIN_DP = 30.0
MIN_TARGET_DP = 44.0
ELDER_TARGET_DP = 60.0
DP_PER_INCH = 160.0
DEFAULT_DIAGONAL_INCHES = 7.0  # the Raspberry Pi touch display, 800x480
SMALL = 0.85  # small text (notes, subtitles) against body text
LARGE = 1.3  # body text in the elder mode against the normal mode
TARGET = 2.7  # the smallest touch target against body text
LINES_PER_SHORT_SIDE = 20.0  # body text is at least this share of the short side


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes: body text, small text, smallest touch target, padding."""

    px_per_dp: float
    fs: float
    fs_small: float
    tap: float
    pad: float


def px_per_dp(width: int, height: int, diagonal_inches: float) -> float:
    """Pixels per dp of a screen of *width* x *height* pixels and this diagonal."""
    dpi = math.hypot(width, height) / diagonal_inches
    return dpi / DP_PER_INCH


def sizes(width: int, height: int, diagonal_inches: float, large: bool) -> Sizes:
    """The sizes for a screen, in the normal or the elder (大字) mode."""
    scale = px_per_dp(width, height, diagonal_inches)
    body = max(min(width, height) / LINES_PER_SHORT_SIDE, MIN_TEXT_DP / SMALL * scale)
    if large:
        body = max(body * LARGE, MIN_MAIN_DP * scale)
    target = (ELDER_TARGET_DP if large else MIN_TARGET_DP) * scale
    return Sizes(px_per_dp=scale, fs=body, fs_small=body * SMALL,
                 tap=max(target, body * TARGET), pad=max(8.0, body * 0.55))
