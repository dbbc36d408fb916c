"""Labels and buttons whose lines are broken by the Chinese rules
(:func:`chinese_text.break_lines`), measured with the label's own font.

Kivy wraps a label's text by itself, with no Chinese rules: a line may start
with "，" or end with "（". These widgets take their text as ``content`` and
set ``text`` to the same text with the line breaks already in place, for
the width the label has now; Kivy then finds every line fits and keeps it.
``title`` asks for even lines broken between words (see
:data:`chinese_text.WORD_BREAK`). Markup is kept: breaks go between tags.

Imports Kivy: only :mod:`kiosk.app` (through :mod:`kiosk.ui`) imports this.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT
from kivy.core.text import Label as CoreLabel
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.label import Label

from chinese_text import WORD_BREAK, break_lines

#: Pixels left free at the end of each line, so that Kivy's own measure of a
#: line (rounded differently) never finds it too wide and breaks it again.
SAFETY = 3
_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")
_ENTITIES = {"&bl;": "[", "&br;": "]", "&amp;": "&"}
_SIZE = re.compile(r"\[size=(\d+(?:\.\d+)?)")


@lru_cache(maxsize=64)
def _measurer(font_name: str, font_size: float, bold: bool) -> Any:
    return CoreLabel(font_name=font_name, font_size=font_size, bold=bold)


@lru_cache(maxsize=20000)
def text_width(font_name: str, font_size: float, bold: bool, text: str) -> float:
    """The width in pixels Kivy gives *text* in this font."""
    return float(_measurer(font_name, font_size, bold).get_extents(text)[0])


def _markup_parts(markup: str) -> list[tuple[str, str]]:
    """("tag", "[b]") and ("char", "x") parts; an entity is one char."""
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(markup):
        tag = _TAG.match(markup, position)
        if tag:
            parts.append(("tag", tag.group()))
            position = tag.end()
            continue
        entity = next((e for e in _ENTITIES if markup.startswith(e, position)), None)
        if entity:
            parts.append(("char", entity))
            position += len(entity)
        else:
            parts.append(("char", markup[position]))
            position += 1
    return parts


def _break_points(plain: str, lines: list[str]) -> tuple[set[int], set[int]]:
    """Where each of *lines* starts in *plain* (a break before that char), and
    the characters not shown: spaces and separators dropped at the breaks,
    word-break marks."""
    starts: set[int] = set()
    dropped = {i for i, char in enumerate(plain) if char == WORD_BREAK}
    position = 0
    for number, line in enumerate(lines):
        if number:
            while position < len(plain) and plain[position] in (" ", "·", WORD_BREAK):
                dropped.add(position)
                position += 1
            starts.add(position)
        for char in line:
            while position < len(plain) and plain[position] != char:
                position += 1  # a word-break mark
            position += 1
    return starts, dropped


def break_markup(markup: str, width: float, font_name: str, font_size: float, bold: bool,
                 title: bool = False) -> str:
    """*markup* with line breaks put where the Chinese rules allow, each
    paragraph measured in its own size ([size=N]) and weight ([b]); a
    paragraph that starts bold is a name, broken as a title."""
    out: list[str] = []
    for paragraph in markup.split("\n"):
        parts = _markup_parts(paragraph)
        plain = "".join(_ENTITIES.get(text, text) for kind, text in parts if kind == "char")
        size = _SIZE.search(paragraph)
        px = float(size.group(1)) if size else font_size
        heavy = bold or "[b]" in paragraph

        def measure(text: str, px: float = px, heavy: bool = heavy) -> float:
            return text_width(font_name, px, heavy, text)

        heading = title or paragraph.startswith("[b]")  # a bold line is a name: a title
        lines = break_lines(plain, width, measure, title=heading) if plain.strip() else [plain]
        starts, dropped = _break_points(plain, lines)
        index = 0
        pieces: list[str] = []
        for kind, text in parts:
            if kind == "tag":
                pieces.append(text)
                continue
            if index in starts:
                pieces.append("\n")
            if index not in dropped:
                pieces.append(text)
            index += 1
        out.append("".join(pieces))
    return "\n".join(out)


class BreakingText:
    """Mixin for a Label: ``content`` is the text to show, ``title`` breaks it
    as a title. ``text`` is set from them; do not set it directly."""

    content = StringProperty("")
    title = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        if "text" in kwargs and "content" not in kwargs:
            kwargs["content"] = kwargs.pop("text")  # made by Kivy (a spinner's options)
        self._rebreak_soon = Clock.create_trigger(self.rebreak, -1)
        super().__init__(**kwargs)
        owner: Any = self
        owner.fbind("content", self._rebreak_soon)
        for name in ("title", "text_size", "font_size", "font_name", "bold", "markup",
                     "padding"):
            owner.fbind(name, self._rebreak_soon)
        self.rebreak()

    def rebreak(self, *args: Any) -> None:
        """Put the line breaks in for the current width and font."""
        label: Any = self
        content = label.content
        width = label.text_size[0]
        asked = (content, width, tuple(label.padding), label.font_size, label.font_name,
                 label.bold, label.markup, label.title)
        if asked == getattr(self, "_broken_for", None):
            return  # a layout pass that changed nothing this label depends on
        self._broken_for = asked
        if width is None or not content:
            label.text = content.replace(WORD_BREAK, "")
            return
        padding = label.padding
        room = width - padding[0] - padding[2] - SAFETY
        if room <= label.font_size:
            label.text = content.replace(WORD_BREAK, "")
            return
        label.text = broken_text(content, room, label.font_name, label.font_size, label.bold,
                                 label.markup, label.title)


@lru_cache(maxsize=4096)
def broken_text(content: str, room: float, font_name: str, font_size: float, bold: bool,
                markup: bool, title: bool) -> str:
    """*content* with line breaks for a line *room* pixels wide in this font
    (the same texts come back often: the screens are rebuilt as they are shown)."""
    if markup:
        return break_markup(content, room, font_name, font_size, bold, title)

    def measure(text: str) -> float:
        return text_width(font_name, font_size, bold, text)

    return "\n".join(break_lines(content, room, measure, title=title))


class ChineseLabel(BreakingText, Label):
    pass


class ChineseButton(BreakingText, Button):
    pass


def register() -> None:
    """Register the widgets with Kivy's Factory, for the kv files. The
    spinners (only the complaint screen has one) are imported when first
    made: Kivy's spinner brings its drop-down and scroll view, which the
    first frame does not need."""
    for cls in (ChineseLabel, ChineseButton):
        if cls.__name__ not in Factory.classes:
            Factory.register(cls.__name__, cls=cls)
    for name in ("ChineseSpinner", "ChineseSpinnerOption"):
        if name not in Factory.classes:
            Factory.register(name, module="kiosk.ui.spinners")


def markup_height(markup: str, width: float, font_size: float, *, bold: bool = False,
                  font_name: str = DEFAULT_FONT) -> float:
    """The height in pixels of *markup* broken to *width* (for a list row
    whose height must be known before it is drawn)."""
    total = 0.0
    for paragraph in break_markup(markup, width - SAFETY, font_name, font_size,
                                  bold).split("\n"):
        size = _SIZE.search(paragraph)
        px = float(size.group(1)) if size else font_size
        total += _measurer(font_name, px, bold).get_extents("国")[1]
    return total
