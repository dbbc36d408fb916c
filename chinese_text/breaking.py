"""Where a line of Chinese text may break (the rules of 禁则 and a few of
typesetting), and breaking a paragraph into lines of a given width.

- Closing punctuation (，。、：；！？”’）》 …) never starts a line; opening
  punctuation (“‘（《 …) never ends one.
- A number stays with its unit: "15 日内", "1 万元", "30 分钟", "第 3 版"; a
  date stays whole: "2024年6月1日".
- Latin words and numbers are not split unless a word alone is wider than
  the line.
- A separator between spaces ("找谁办事 · 怎么办事") is a space: a line may
  break there and the separator is dropped at the break, so no line starts
  or ends with it.
- No paragraph ends with one character alone on its last line ("负责 / 人",
  "按 / 钮。") when the line above can give it more: the break moves back to
  the last punctuation that leaves the last line whole, else by one piece.
- A title (``title=True``) is broken into lines of even width, at
  punctuation or before an opening bracket where it can, and never inside a
  word when the caller marked its words with :data:`WORD_BREAK` and a break
  between words exists: "村级小微权力清单" becomes "村级小微 / 权力清单",
  not "村级小微权力清 / 单".

Widths come from a *measure* function: text-mode columns
(:func:`chinese_text.width.display_width`) for a receipt printed as text,
a font's pixels for a raster receipt or a Kivy label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from chinese_text.errors import BadWidth
from chinese_text.width import char_width, display_width

Measure = Callable[[str], float]

NO_LINE_START = frozenset("）》」』】〉〕］｝，。、；：！？…—·”’)]}>,.;:!?%％")
#: A separator ("·") neither starts nor ends a line: between spaces it is
#: dropped at a break, otherwise it keeps its neighbours together.
NO_LINE_END = frozenset("（《「『【〈〔［｛“‘([{<·")
#: Put between the words of a title (e.g. "村级\u200b小微\u200b权力\u200b清单")
#: to say where it may break; never shown.
WORD_BREAK = "\u200b"

#: Units and measure words a number is kept with, longest first.
UNITS = tuple(sorted((
    "个工作日内", "个工作日", "工作日内", "工作日", "日内", "天内", "个月", "小时", "分钟",
    "万元", "亿元", "千元", "平方米", "公里", "公斤", "周岁", "元", "万", "亿", "千", "百",
    "日", "天", "月", "年", "时", "分", "秒", "周", "岁", "人", "户", "次", "项", "份",
    "件", "个", "亩", "米", "斤", "克", "号", "条", "页", "张", "名", "位", "家", "间",
    "辆", "台", "套", "批", "期", "版", "级", "届", "层", "栋", "%", "％", "mm", "MB",
), key=len, reverse=True))
_NUMBER_WITH_UNIT = re.compile(
    r"(?:第\s?)?\d[\d.,]*\s?(?:" + "|".join(re.escape(unit) for unit in UNITS) + ")")
#: A date stays whole: "2024年6月1日", "6月1日", "2024年6月".
_DATE = re.compile(r"\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?|\d{1,2}\s?月\s?\d{1,2}\s?日")
_ENDS_INSIDE_DATE = re.compile(r"\d\s?[年月]$")
_STARTS_INSIDE_DATE = re.compile(r"^\s?\d{1,2}\s?[月日]")
#: A quoted or bracketed word of up to four characters stays whole: “两委”.
_SHORT_QUOTE = re.compile(r"[“‘「『《（][^”’」』》）“‘「『《（\s]{1,4}[”’」』》）]")
_SPACES = re.compile(r" +")
#: A separator between spaces: broken at like a space, and dropped there.
_SPACED_SEPARATOR = re.compile(r" +· +")
_TRIMMED = " ·"
_ENDS_WITH_NUMBER = re.compile(r"(?:第\s?|\d[\d.,]*\s?)$")
_STARTS_WITH_UNIT = re.compile(r"^\s?(?:\d|" + "|".join(re.escape(u) for u in UNITS) + ")")

# A break that is not at punctuation, a space or a word boundary costs this
# much in a title (in units of a line's squared empty share); inside a marked
# word it costs more than any unevenness.
_PLAIN_BREAK = 0.3
_INSIDE_WORD = 4.0


@dataclass(frozen=True)
class _Piece:
    text: str
    space: bool = False  # a run of spaces: dropped where the line breaks
    good: bool = False  # breaking before it is good (punctuation, space, word break)
    inside_word: bool = False  # breaking before it splits a word the caller marked


def break_lines(text: str, width: float, measure: Measure = display_width, *,
                title: bool = False) -> list[str]:
    """Split *text* into lines no wider than *width* as measured by *measure*.

    Explicit newlines start new lines; spaces at a break are dropped; nothing
    else is lost (:data:`WORD_BREAK` marks are removed). A piece that cannot
    be broken by the rules and is wider than the line is split where it must.
    """
    if width <= 0:
        raise BadWidth(f"line width must be positive, got {width}")
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\t", " ").split("\n"):
        pieces = _pieces(paragraph)
        greedy, starts = _fill(pieces, width, measure)
        if title and len(greedy) > 1:
            lines.extend(_balanced(pieces, width, measure, len(greedy)) or greedy)
        else:
            lines.extend(_without_orphan(pieces, greedy, starts, width, measure))
    return lines


def _break_allowed(text: str, hints: set[int]) -> list[bool]:
    """allowed[i]: a line may break between text[i-1] and text[i]."""
    allowed = [False] * (len(text) + 1)
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if before == " " or after == " ":
            allowed[i] = before != after  # around a run of spaces, not inside it
        elif char_width(before) == 2 or char_width(after) == 2 or i in hints:
            allowed[i] = True
        if after in NO_LINE_START or before in NO_LINE_END:
            allowed[i] = False
    for match in _SPACES.finditer(text):  # "事 · 村": no break at the spaces either
        start, end = match.span()
        if (end < len(text) and text[end] in NO_LINE_START) or \
                (start and text[start - 1] in NO_LINE_END):
            allowed[start] = allowed[end] = False
    for match in _SPACED_SEPARATOR.finditer(text):  # one piece, broken at like a space
        start, end = match.span()
        for i in range(start + 1, end):
            allowed[i] = False
        allowed[start] = start > 0 and text[start - 1] not in NO_LINE_END
        allowed[end] = end < len(text) and text[end] not in NO_LINE_START
    for pattern in (_NUMBER_WITH_UNIT, _DATE, _SHORT_QUOTE):
        for match in pattern.finditer(text):
            for i in range(match.start() + 1, match.end()):
                allowed[i] = False
    return allowed


def _pieces(paragraph: str) -> list[_Piece]:
    hints: set[int] = set()
    plain: list[str] = []
    for char in paragraph:
        if char == WORD_BREAK:
            hints.add(len(plain))
        else:
            plain.append(char)
    text = "".join(plain)
    allowed = _break_allowed(text, hints)
    pieces: list[_Piece] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or allowed[i]:
            chunk = text[start:i]
            before = text[start - 1] if start else ""
            good = (before in NO_LINE_START or before == " " or chunk[0] == " "
                    or chunk[0] in NO_LINE_END or start in hints)
            inside = bool(hints) and not good and bool(before)
            space = chunk.isspace() or bool(_SPACED_SEPARATOR.fullmatch(chunk))
            pieces.append(_Piece(chunk, space, good, inside))
            start = i
    return pieces


def _fill(pieces: Sequence[_Piece], width: float,
          measure: Measure) -> tuple[list[str], list[int]]:
    """First fit: as many pieces on each line as fit. A line's width is the
    sum of its pieces' widths (each measured once), spaces and separators at
    its end left out. Also the index of the piece each line starts with (-1
    for a line that starts inside a piece too wide for a line)."""
    lines: list[str] = []
    starts: list[int] = []
    current, trail, used, spaces = "", "", 0.0, 0.0  # trail: spaces not yet followed
    start = 0
    for index, piece in enumerate(pieces):
        size = measure(piece.text)
        if piece.space:
            if current:
                trail, spaces = trail + piece.text, spaces + size
            continue
        if used + spaces + size <= width:
            if not current:
                start = index
            current, used = current + trail + piece.text, used + spaces + size
            trail, spaces = "", 0.0
            continue
        if current.strip():
            lines.append(current.rstrip())
            starts.append(start)
        current, trail, used, spaces = "", "", 0.0, 0.0
        start = index
        if size <= width:
            current, used = piece.text, size
            continue
        before = len(lines)
        current = _split_wide(piece.text, width, measure, lines)
        starts.extend([index] + [-1] * (len(lines) - before - 1))
        start = -1
        used = measure(current)
    if current.strip() or not lines:
        lines.append(current.rstrip())
        starts.append(start)
    return lines, starts


def _orphan(line: str) -> bool:
    """One Chinese character alone on a line (closing punctuation after it
    aside): "人", "钮。"."""
    text = line.strip()
    return bool(text) and char_width(text[0]) == 2 and text[0] not in NO_LINE_START \
        and all(char in NO_LINE_START for char in text[1:])


def _letters(line: str) -> int:
    """The characters of *line* other than spaces and punctuation."""
    return sum(1 for char in line if not char.isspace() and char not in NO_LINE_START
               and char not in NO_LINE_END)


def _bare(text: str) -> str:
    """*text* without spaces, separators and word-break marks (to compare
    laid-out lines with the paragraph they came from)."""
    return re.sub(r"[ ·\u200b]", "", text)


def _trim(text: str) -> str:
    """A line without the spaces and separators at its ends."""
    return text.strip(_TRIMMED)


def _without_orphan(pieces: Sequence[_Piece], lines: list[str], starts: list[int],
                    width: float, measure: Measure) -> list[str]:
    """*lines* with the last one no longer a lone character: the break above
    it moved back to the latest good break (punctuation, a space) that keeps
    the last line on one line, else back by one piece; never so far that
    the line above is left with one character itself."""
    if len(lines) < 2 or not _orphan(lines[-1]) or starts[-1] < 0 or starts[-2] < 0:
        return lines
    first, last = starts[-2], starts[-1]
    cuts = [cut for cut in range(last - 1, first, -1) if not pieces[cut].space]
    good = [cut for cut in cuts if pieces[cut].good]
    for cut in [*good, *cuts[:1]]:
        head = _trim("".join(piece.text for piece in pieces[first:cut]))
        tail = _trim("".join(piece.text for piece in pieces[cut:]))
        if _letters(head) > 1 and measure(tail) <= width and not _orphan(tail):
            return [*lines[:-2], head, tail]
    return lines


def _split_wide(text: str, width: float, measure: Measure, lines: list[str]) -> str:
    """A piece wider than the line, split where the punctuation rules allow
    if they allow anywhere on the line, its last part not one character
    alone where the part before can spare one; the last part is returned."""
    current = ""
    for char in text:
        if current and measure(current + char) > width:
            cut = len(current)
            while cut > 1 and (current[cut - 1] in NO_LINE_END
                               or (current + char)[cut] in NO_LINE_START):
                cut -= 1
            if cut <= 1 and (current[-1] in NO_LINE_END or char in NO_LINE_START):
                cut = len(current)  # nowhere allowed: break where it must
            lines.append(current[:cut])
            current = current[cut:]
        current += char
    last = lines[-1] if lines else ""
    if _orphan(current) and _letters(last) > 2 and last[-1] not in NO_LINE_START \
            and last[-2] not in NO_LINE_END and measure(last[-1] + current) <= width:
        lines[-1], current = last[:-1], last[-1] + current  # no character left alone
    return current


def _balanced(pieces: Sequence[_Piece], width: float, measure: Measure,
              count: int) -> list[str] | None:
    """*count* lines of even width, preferring good breaks (a title)."""
    widths = [measure(piece.text) for piece in pieces]
    total = len(pieces)
    # best[k][i]: (cost, previous break) of k lines covering pieces[:i]
    best: list[dict[int, tuple[float, int]]] = [{0: (0.0, -1)}]
    for _ in range(count):
        row: dict[int, tuple[float, int]] = {}
        for start, (cost, _previous) in best[-1].items():
            if start < total and pieces[start].space:
                continue
            used = 0.0
            for end in range(start + 1, total + 1):
                used += widths[end - 1]
                shown = used - (widths[end - 1] if pieces[end - 1].space else 0.0)
                if shown > width:
                    break
                if end < total and pieces[end].space:
                    continue  # break after the space instead
                slack = (width - shown) / width
                penalty = 0.0
                if end < total:
                    after = pieces[end]
                    penalty = 0.0 if after.good else (
                        _INSIDE_WORD if after.inside_word else _PLAIN_BREAK)
                if end - start == 1 and _orphan(pieces[start].text):
                    penalty += _INSIDE_WORD  # one character alone on a line
                total_cost = cost + slack * slack + penalty
                if end not in row or total_cost < row[end][0]:
                    row[end] = (total_cost, start)
        best.append(row)
    if total not in best[count]:
        return None
    ends = [total]
    for k in range(count, 0, -1):
        ends.append(best[k][ends[-1]][1])
    bounds = list(reversed(ends))
    lines = [_trim("".join(p.text for p in pieces[a:b])) for a, b in pairwise(bounds)]
    if any(measure(line) > width for line in lines):
        return None
    return lines


def line_faults(lines: Sequence[str], paragraphs: Collection[str] | None = None) -> list[str]:
    """What breaks the rules in *lines* (as laid out, in order): a line that
    starts with closing punctuation or ends with opening punctuation or a
    separator, a number parted from its unit; given the *paragraphs* the
    lines were broken from, a line holding one character alone at the end
    of a paragraph (not a whole one) where the line above could have given
    it another. Empty when the lines are right."""
    whole = {paragraph.strip() for paragraph in paragraphs or ()}
    faults = []
    for number, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        if number and text[0] in NO_LINE_START and lines[number - 1].strip():
            faults.append(f"line {number + 1} starts with {text[0]!r}: {line!r}")
        if number + 1 < len(lines) and text[-1] in NO_LINE_END and lines[number + 1].strip():
            faults.append(f"line {number + 1} ends with {text[-1]!r}: {line!r}")
        if number + 1 < len(lines) and _ENDS_WITH_NUMBER.search(line.rstrip("\n")) \
                and _STARTS_WITH_UNIT.match(lines[number + 1]):
            faults.append(f"lines {number + 1}-{number + 2} part a number from its unit: "
                          f"{line!r} / {lines[number + 1]!r}")
        if number + 1 < len(lines) and _ENDS_INSIDE_DATE.search(line.rstrip()) \
                and _STARTS_INSIDE_DATE.match(lines[number + 1]):
            faults.append(f"lines {number + 1}-{number + 2} break a date: "
                          f"{line!r} / {lines[number + 1]!r}")
        if paragraphs is not None and number and _letters(lines[number - 1]) > 1 \
                and _orphan(text) and text not in whole \
                and any(_bare(p).endswith(_bare(lines[number - 1] + text)) for p in whole):
            faults.append(f"line {number + 1} leaves one character alone: "
                          f"{lines[number - 1]!r} / {line!r}")
    return faults
