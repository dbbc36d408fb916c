"""Line wrapping by display width, so that Chinese text never overflows the paper.

Widths are measured by a caller-supplied function: :func:`display_width` counts
text-mode columns (a Chinese character takes two), while the raster renderer
passes a font's pixel measure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

Measure = Callable[[str], float]

# "A" (ambiguous) characters such as "×", "°" or "—" are double-byte in GB18030
# and print full-width on Chinese printers, so they count as two columns.
_WIDE = frozenset({"W", "F", "A"})

# Chinese line-breaking rules (禁则): closing punctuation never starts a line,
# opening punctuation never ends one.
NO_LINE_START = frozenset("）》」』】〉，。、；：！？…—·”’)]}>,.;:!?%")
NO_LINE_END = frozenset("（《「『【〈“‘([{<")


def char_width(char: str) -> int:
    """Columns taken by one character in text mode: 0, 1 or 2."""
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf", "Cc"}:
        return 0
    return 2 if unicodedata.east_asian_width(char) in _WIDE else 1


def display_width(text: str) -> int:
    """Columns taken by ``text`` in text mode (half-width = 1, CJK full-width = 2)."""
    return sum(char_width(char) for char in text)


def wrap_text(text: str, width: float, measure: Measure = display_width) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` as measured by ``measure``.

    Explicit newlines start new lines; Latin words are kept whole when they fit,
    Chinese characters may break anywhere; spaces at a break are dropped.
    """
    if width <= 0:
        raise ValueError(f"wrap width must be positive, got {width}")
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines


def _tokens(paragraph: str) -> list[str]:
    """Runs of spaces, runs of narrow non-space characters (words), single wide characters."""
    tokens: list[str] = []
    for char in paragraph:
        kind = _kind(char)
        if tokens and kind != "wide" and _kind(tokens[-1][-1]) == kind:
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def _kind(char: str) -> str:
    if char == " ":
        return "space"
    return "wide" if char_width(char) == 2 else "narrow"


def _break(current: str, token: str) -> tuple[str, str]:
    """Where to break before *token*: (the line ending here, what the next
    line starts with), keeping punctuation on the right side of the break."""
    line, carry = current.rstrip(), ""
    if token[:1] in NO_LINE_START and len(line) > 1:
        carry, line = line[-1], line[:-1]
    while len(line) > 1 and line[-1] in NO_LINE_END:
        carry, line = line[-1] + carry, line[:-1]
    return line, carry


def _wrap_paragraph(paragraph: str, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    current = ""
    for token in _tokens(paragraph):
        if (measure(current + token) > width and current.strip() and not token.isspace()
                and (token[0] in NO_LINE_START or current.rstrip()[-1:] in NO_LINE_END)):
            line, carry = _break(current, token)
            if carry and measure(carry + token) <= width:
                lines.append(line)
                current = carry + token
                continue
        if measure(current + token) <= width:
            current += token
            continue
        if token.isspace():
            lines.append(current.rstrip())
            current = ""
            continue
        if current.strip():
            lines.append(current.rstrip())
            current = ""
        if measure(token) <= width:
            current = token
            continue
        for char in token:
            if current and measure(current + char) > width:
                lines.append(current)
                current = ""
            current += char
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines
