"""Text cut to the size one label can show: Kivy renders each label into one
texture, which must stay below the GPU's maximum size, so long text is shown
as several paragraphs."""

from __future__ import annotations

MAX_PARAGRAPH = 160  # characters; a few lines on a 7-inch screen


def paragraphs(text: str, limit: int = MAX_PARAGRAPH) -> list[str]:
    """*text* split at line breaks, and at sentence ends (。；) where a piece
    would be longer than *limit*; no piece is longer than *limit*."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        while len(line) > limit:
            cut = max(line.rfind(mark, 0, limit) for mark in "。；！？，")
            cut = cut + 1 if cut > limit // 3 else limit
            pieces.append(line[:cut])
            line = line[cut:].strip()
        if line:
            pieces.append(line)
    return pieces
