"""Every screen at every supported size, in the normal and the 大字 mode,
measured from what Kivy laid out and drew (kiosk.testing.audit):

- the national age-friendly numbers (工信部 2021): text at least 18 dp,
  main functions (button labels) at least 30 dp and touch targets at least
  60x60 dp in the 大字 mode, 44x44 dp otherwise; contrast at least 4.5:1
  between the colour each text was drawn in and the background sampled from
  the frame; line spacing at least 1.3. Sizes in dp come from the display's
  diagonal given to the kiosk, as the configuration gives it.
- Chinese line breaking: no line Kivy laid out starts with closing
  punctuation, ends with opening punctuation or a separator ("·") or parts
  a number from its unit, and none leaves one character alone at the end of
  a paragraph ("负责 / 人", "按 / 钮。"); a title whose words are marked
  breaks only between them.
- Layout: no widget sticks out of its layout or overlaps a sibling (the
  button row over the header, "查询码" over the bar), no text is cut short
  with "…" or drawn outside its widget, no half-width punctuation in
  Chinese text; a picture shown in a scroll view (the receipt preview) is
  scaled to the screen: drawn at least half as wide as the view.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from chinese_text import WORD_BREAK, line_faults
from kiosk.screenshots import SCREENS, screenshot_steps
from kiosk.viewmodels.sizes import (
    ELDER_TARGET_DP,
    MIN_MAIN_DP,
    MIN_TARGET_DP,
    MIN_TEXT_DP,
)
from tests.kiosk.conftest import RunScript

#: (window size, the display's diagonal in inches): the Raspberry Pi touch
#: display both ways, and the smallest common full-HD touch monitor.
DISPLAYS = [((800, 480), 7.0), ((1920, 1080), 15.6), ((480, 800), 7.0)]
MIN_CONTRAST = 4.5
MIN_LINE_SPACING = 1.3
SHORT_WORD = 4  # "放大", "正常字": a button's word this short fits on one line
HALF_WIDTH_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][?!,:;]|[?!,;:][\u4e00-\u9fff]")
MARKUP_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")


def paragraphs(content: str) -> list[str]:
    """The paragraphs of a label's text as written, without markup."""
    return [MARKUP_TAG.sub("", p).replace(WORD_BREAK, "") for p in content.split("\n")]


def _luminance(colour: list[float]) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(ink: list[float], paper: list[float]) -> float:
    light, dark = sorted((_luminance(ink), _luminance(paper)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _drawn(ink: list[float], paper: list[float], opacity: float) -> list[float]:
    """The ink as drawn: its own alpha and the widget's opacity over the paper."""
    alpha = (ink[3] if len(ink) > 3 else 1.0) * opacity
    return [c * alpha + p * (1 - alpha) for c, p in zip(ink[:3], paper[:3], strict=True)]


def _walk(tmp_path: Path, large: bool) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if large:
        steps.append({"call": "toggle_large_text"})
    for step in screenshot_steps(tmp_path, "2468"):
        steps.append(step)
        if "screenshot" in step:
            steps.append({"audit": Path(step["screenshot"]).stem})
    return steps


def _faults(audit: dict[str, Any], px_per_dp: float) -> list[str]:
    name, large = audit["screen"], audit["large_text"]
    faults = [f"{name}: {fault}" for fault in audit["layout_faults"]]
    smallest = MIN_TEXT_DP * px_per_dp - 0.5
    main = MIN_MAIN_DP * px_per_dp - 0.5
    for text in audit["texts"]:
        where = f"{name}: {text['class']} {text['text'][:24]!r}"
        lines = [line["text"] for line in text["lines"]]
        faults += [f"{where}: {fault}" for fault in line_faults(lines, paragraphs(text["text"]))]
        if text["shortened"]:
            faults.append(f"{where}: cut short with '…'")
        if HALF_WIDTH_IN_CHINESE.search(text["text"]):
            faults.append(f"{where}: half-width punctuation in Chinese text")
        if WORD_BREAK in text["text"]:
            words = text["text"].split(WORD_BREAK)
            for line in lines:
                if not any("".join(words[a:b]) == line.strip()
                           for a in range(len(words)) for b in range(a + 1, len(words) + 1)):
                    faults.append(f"{where}: the title breaks inside a word: {lines}")
        word = text["text"].strip()
        if text["button"] and len(lines) > 1 and len(word) <= SHORT_WORD and " " not in word:
            faults.append(f"{where}: a button's short word broken: {lines}")
        sizes = [size for line in text["lines"] for size in line["sizes"]]
        if sizes and min(sizes) < smallest:
            faults.append(f"{where}: text {min(sizes):.1f} px = {min(sizes) / px_per_dp:.1f} dp"
                          f" (at least {MIN_TEXT_DP} dp)")
        if large and text["button"] and sizes and max(sizes) < main:
            faults.append(f"{where}: a main function at {max(sizes) / px_per_dp:.1f} dp "
                          f"(at least {MIN_MAIN_DP} dp in 大字)")
        for line in text["lines"]:
            if line["sizes"] and line["height"] / max(line["sizes"]) < MIN_LINE_SPACING:
                faults.append(f"{where}: line spacing {line['height'] / max(line['sizes']):.2f}")
        width, height = text["rect"][2:]
        tw, th = text["texture"][2:]
        if text["text_size"][0] is not None and tw > width + 1:
            faults.append(f"{where}: text {tw:.0f} px wide in a widget {width:.0f} px wide")
        if th > height + 1:
            faults.append(f"{where}: text {th:.0f} px tall in a widget {height:.0f} px tall")
        if text["visible"] and text["background"]:
            for line in text["lines"]:
                for ink in line["colours"]:
                    drawn = _drawn(ink, text["background"], text["opacity"])
                    ratio = contrast(drawn, text["background"])
                    if ratio < MIN_CONTRAST:
                        faults.append(f"{where}: contrast {ratio:.2f}:1 of {ink} on "
                                      f"{text['background']}")
    for image in audit.get("images", []):
        room, drawn = image["room"], image["drawn"][0]
        if room is not None and drawn * 2 < room - 1:
            faults.append(f"{name}: a picture drawn {drawn:.0f} px wide in a view {room:.0f} px"
                          " wide: not scaled to the screen")
    least = (ELDER_TARGET_DP if large else MIN_TARGET_DP) * px_per_dp - 1
    for target in audit["targets"]:
        _, _, width, height = target["rect"]
        if min(width, height) < least:
            faults.append(f"{name}: touch target {target['key']!r} {width:.0f}x{height:.0f} px"
                          f" = {width / px_per_dp:.0f}x{height / px_per_dp:.0f} dp")
    return sorted(set(faults))


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("size, diagonal", DISPLAYS, ids=["7inch", "fullhd", "portrait"])
def test_every_screen_meets_the_age_friendly_numbers_and_the_breaking_rules(
    run_script: RunScript, tmp_path: Path, size: tuple[int, int], diagonal: float,
    large: bool,
) -> None:
    report = run_script(_walk(tmp_path, large), size=size, pin="2468",
                        diagonal_inches=diagonal, timeout=180)
    audits = [step["audit"] for step in report["steps"] if "audit" in step]
    assert sorted(audit["screen"] for audit in audits) == sorted(SCREENS)
    px_per_dp = math.hypot(*size) / diagonal / 160
    faults: list[str] = []
    for audit in audits:
        assert audit["px_per_dp"] == pytest.approx(px_per_dp)
        assert audit["large_text"] == (large and audit["screen"] != "attract")
        assert len(audit["texts"]) >= 2, f"{audit['screen']}: nothing measured"
        faults += _faults(audit, px_per_dp)
    measured = sum(1 for a in audits for t in a["texts"] if t["visible"] and t["background"])
    assert measured >= 60, "too few texts on the frames to judge their contrast"
    assert faults == [], "\n".join(faults)


def test_the_measures_find_what_they_look_for() -> None:
    """The judge itself: each kind of defect it must catch, caught."""
    px = 1.0
    text = {"class": "ChineseLabel", "button": True, "text": "是哪件事?", "rect": [0, 0, 50, 20],
            "texture": [0, 0, 80, 30], "text_size": [50, None], "shortened": True,
            "opacity": 1.0, "visible": [0, 0, 50, 20], "background": [1, 1, 1],
            "lines": [{"text": "村民委员会（", "height": 14, "sizes": [13.0],
                       "colours": [[0.8, 0.8, 0.8, 1]]},
                      {"text": "，在 15", "height": 14, "sizes": [13.0],
                       "colours": [[0.8, 0.8, 0.8, 1]]},
                      {"text": "日内", "height": 14, "sizes": [13.0],
                       "colours": [[0.8, 0.8, 0.8, 1]]}]}
    detail = {**text, "text": "经办：村集体经济组织负责人\n找谁办事 · 怎么办事 · 村里的钱和事",
              "shortened": False,
              "lines": [{"text": "经办：村集体经济组织负责", "height": 30, "sizes": [20.0],
                         "colours": []},
                        {"text": "人", "height": 30, "sizes": [20.0], "colours": []},
                        {"text": "找谁办事 · 怎么办事 ·", "height": 30, "sizes": [20.0],
                         "colours": []},
                        {"text": "村里的钱和事", "height": 30, "sizes": [20.0], "colours": []}]}
    title = {**text, "text": WORD_BREAK.join(["村级", "小微", "权力", "清单"]), "shortened": False,
             "lines": [{"text": "村级小微权力清", "height": 30, "sizes": [20.0], "colours": []},
                       {"text": "单", "height": 30, "sizes": [20.0], "colours": []}]}
    audit = {"screen": "x", "large_text": True, "layout_faults": ["A overlaps B"],
             "texts": [text, title, detail],
             "targets": [{"key": "pin:1", "rect": [0, 0, 50, 50]}],
             "images": [{"rect": [0, 0, 384, 900], "drawn": [384, 900], "texture": [384, 900],
                         "room": 1260.0}]}
    found = "\n".join(_faults(audit, px))
    for expected in ("overlaps", "starts with '，'", "ends with '（'", "number from its unit",
                     "cut short", "half-width", "breaks inside a word", "13.0 dp",
                     "main function", "line spacing", "80 px wide", "30 px tall",
                     "contrast", "touch target", "leaves one character alone: '经办",
                     "ends with '·'", "not scaled to the screen"):
        assert expected in found, expected
