"""Line wrapping by display width, so that Chinese text never overflows the paper.

The receipt is a client of the one Chinese line breaker
(:func:`chinese_text.break_lines`), the same that breaks the kiosk's screen
text: closing punctuation never starts a line, opening punctuation never
ends one, a number stays with its unit. Widths are measured by a
caller-supplied function: :func:`display_width` counts text-mode columns (a
Chinese character takes two), while the raster renderer passes a font's
pixel measure.
"""

from __future__ import annotations

from chinese_text import break_lines, char_width, display_width
from chinese_text.breaking import Measure

__all__ = ["Measure", "char_width", "display_width", "wrap_text"]


def wrap_text(text: str, width: float, measure: Measure = display_width, *,
              title: bool = False) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` as measured by ``measure``.

    Explicit newlines start new lines; Latin words and numbers with their
    units are kept whole when they fit; spaces at a break are dropped. A
    *title* (a centred heading) is broken into lines of even width.
    """
    if width <= 0:
        raise ValueError(f"wrap width must be positive, got {width}")
    return break_lines(text, width, measure, title=title)
