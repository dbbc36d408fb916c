"""Chinese text as people read it: how wide it is and where a line may break.

One line breaker serves the screens (measured in pixels with the kiosk's
font) and the paper (measured in text-mode columns or the receipt font's
pixels): :func:`break_lines`. A leaf: it imports nothing of the project, so
both :mod:`hardware.printer` and :mod:`kiosk` use it.
"""

from chinese_text.breaking import (
    NO_LINE_END,
    NO_LINE_START,
    WORD_BREAK,
    break_lines,
    line_faults,
)
from chinese_text.errors import ChineseTextError
from chinese_text.width import char_width, display_width

__all__ = [
    "NO_LINE_END",
    "NO_LINE_START",
    "WORD_BREAK",
    "ChineseTextError",
    "break_lines",
    "char_width",
    "display_width",
    "line_faults",
]
