"""Wrapping by display width: a Chinese character takes two text-mode columns."""

from __future__ import annotations

import pytest

from hardware.printer import PaperWidth, display_width, wrap_text

LONG_CHINESE = (
    "村务公开栏显示本村小微权力清单事项办理流程和监督电话，群众可以扫码查询办理进度。" * 3
)


def test_display_width_counts_cjk_as_two_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("打印") == 4
    assert display_width("设备ID：7") == 4 + 2 + 2 + 1  # full-width colon is wide too
    assert display_width("") == 0


@pytest.mark.parametrize("paper", list(PaperWidth))
def test_long_chinese_line_fits_the_paper_in_text_mode(paper: PaperWidth) -> None:
    lines = wrap_text(LONG_CHINESE, paper.columns)

    assert all(display_width(line) <= paper.columns for line in lines)
    assert "".join(lines) == LONG_CHINESE  # nothing lost
    # All lines but the last are full: no wasted paper.
    assert all(display_width(line) >= paper.columns - 1 for line in lines[:-1])
    assert len(lines) == -(-display_width(LONG_CHINESE) // paper.columns)


def test_mixed_ascii_and_chinese_keeps_words_whole() -> None:
    lines = wrap_text("设备编号 VE-0001 村务终端打印机工作正常", 16)

    assert lines == ["设备编号 VE-0001", "村务终端打印机工", "作正常"]


def test_a_chinese_character_is_never_split_across_lines() -> None:
    assert wrap_text("中文字", 5) == ["中文", "字"]


def test_word_longer_than_the_line_is_broken() -> None:
    url = "https://example.org/" + "a" * 40

    lines = wrap_text(url, 32)

    assert "".join(lines) == url
    assert [len(line) for line in lines] == [32, 28]


def test_explicit_newlines_start_new_lines() -> None:
    assert wrap_text("第一行\n\n第三行", 32) == ["第一行", "", "第三行"]


def test_custom_measure_wraps_by_pixels() -> None:
    assert wrap_text("abcdef", 30, measure=lambda s: 10 * len(s)) == ["abc", "def"]


def test_closing_punctuation_never_starts_a_line_nor_opening_ends_one() -> None:
    from hardware.printer.wrap import wrap_text

    lines = wrap_text("用印记录（演示）", 14)
    assert lines == ["用印记录", "（演示）"]  # a short bracketed word is kept whole
    lines = wrap_text("我们在村里（开发用）做的事情。好的", 10)
    assert all(not line.startswith(("）", "。")) for line in lines)
    assert all(not line.endswith("（") for line in lines)
    assert "".join(lines) == "我们在村里（开发用）做的事情。好的"
