"""The one Chinese line breaker: what a reader of the screen or the slip sees."""

from __future__ import annotations

import pytest

from chinese_text import WORD_BREAK, break_lines, display_width, line_faults
from chinese_text.errors import BadWidth, ChineseTextError

WHISTLE = "发现问题可以向村务监督委员会（廉情“吹哨人”）反映，也可以打监督电话。"


def _all_widths(text: str, low: int, high: int) -> list[list[str]]:
    return [break_lines(text, width) for width in range(low, high + 1)]


def test_closing_punctuation_never_starts_a_line_at_any_width() -> None:
    for lines in _all_widths(WHISTLE, 6, 40):
        assert line_faults(lines) == [], lines
        assert "".join(lines) == WHISTLE
        assert all(not line.startswith(("”", "）", "，", "。")) for line in lines)
        assert all(not line.endswith(("（", "“")) for line in lines)


def test_the_whistleblower_bracket_is_not_parted_on_58mm_paper() -> None:
    lines = break_lines(WHISTLE, 32)  # 58 mm paper in text mode: 32 columns
    assert "".join(lines) == WHISTLE
    assert not any(line.startswith("”）") for line in lines)
    assert all(display_width(line) <= 32 for line in lines)


@pytest.mark.parametrize("text, kept", [
    ("申请人提交材料后村委会在 15 日内答复，逾期不答复的可以投诉。", "15 日内"),
    ("单笔支出超过 1 万元的须经村民代表会议讨论决定。", "1 万元"),
    ("办事大厅每天上午开放，每人每次办理约 30 分钟。", "30 分钟"),
    ("一般在15个工作日内办结，特殊情况可以延长。", "15个工作日内"),
    ("村级小微权力清单（示范样本） 第1版 · 清单更新于 2024年6月1日", "2024年6月1日"),
    ("县里的答复已在11月27日公布，请到村务公开栏查看。", "11月27日"),
])
def test_a_number_stays_with_its_unit(text: str, kept: str) -> None:
    for lines in _all_widths(text, max(10, display_width(kept) + 2), 50):
        assert any(kept in line for line in lines), lines
        assert line_faults(lines) == [], lines


def test_a_title_breaks_between_its_words_and_evenly() -> None:
    title = WORD_BREAK.join(["村级", "小微", "权力", "清单"])
    assert break_lines(title, 14, title=True) == ["村级小微", "权力清单"]
    assert break_lines(title, 16) == ["村级小微权力清单"]
    # plain filling leaves no character alone ("村级小微权力清 / 单") but is not even
    assert break_lines("村级小微权力清单", 14) == ["村级小微权力", "清单"]


def test_a_title_breaks_before_its_bracket_where_it_can() -> None:
    title = "村集体资产资源处置（出售、出租、发包）"
    assert break_lines(title, 24, title=True) == ["村集体资产资源处置", "（出售、出租、发包）"]


def test_a_spaced_middle_dot_never_starts_a_line() -> None:
    text = "找谁办事 · 怎么办事 · 村里的钱和事"
    for width in range(12, 40):
        lines = break_lines(text, width, title=True)
        assert line_faults(lines) == [], lines
        assert not any(line.startswith("·") for line in lines)


def test_a_spaced_separator_is_dropped_where_the_line_breaks() -> None:
    text = "找谁办事 · 怎么办事 · 村里的钱和事"
    for width in range(8, 40):
        for title in (False, True):
            lines = break_lines(text, width, title=title)
            assert line_faults(lines) == [], lines
            assert not any(line.endswith("·") or line.startswith("·") for line in lines)
            assert "".join(lines).replace(" · ", "") == text.replace(" · ", "")
    assert break_lines(text, 22) == ["找谁办事 · 怎么办事", "村里的钱和事"]
    assert line_faults(["找谁办事 · 怎么办事 ·", "村里的钱和事"])


def test_no_paragraph_leaves_one_character_alone_on_its_last_line() -> None:
    detail = "负责单位：村集体经济组织、村民委员会；经办：村集体经济组织负责人"
    assert break_lines(detail, 62) == ["负责单位：村集体经济组织、村民委员会；经办：",
                                       "村集体经济组织负责人"]  # at the colon, the word whole
    hint = "找谁办事、怎么办事，一看就明白。请点下面的按钮。"
    assert break_lines(hint, 46) == ["找谁办事、怎么办事，一看就明白。", "请点下面的按钮。"]
    for text in (detail, hint, "设备编号 VE-0001 村务终端打印机工作正常"):
        for width in range(8, 80):
            lines = break_lines(text, width)
            alone = [fault for fault in line_faults(lines, [text]) if "alone" in fault]
            assert alone == [], (width, lines)


def test_a_bracket_too_wide_for_the_line_leaves_no_character_alone() -> None:
    button = "匿名（不留电话）"  # the complaint screen's button in 大字 mode
    for width in range(6, 12):
        lines = break_lines(button, width, title=True)
        assert lines == ["匿名", "（不留", "电话）"], (width, lines)
        assert line_faults(lines, [button]) == []
    assert line_faults(["匿名", "（不留电", "话）"], [button])
    assert line_faults(["复", "原"], ["复原"]) == []  # no better break: one fits a line


def test_a_short_quoted_word_stays_whole() -> None:
    lines = break_lines("请输入回执上的查询码，然后点“查询”。", 32)
    assert any("“查询”。" in line for line in lines), lines


def test_a_word_longer_than_the_line_is_split_all_the_same() -> None:
    lines = break_lines("https://example.org/" + "a" * 40, 32)
    assert [len(line) for line in lines] == [32, 28]


def test_nothing_is_lost_and_spaces_at_a_break_are_dropped() -> None:
    assert break_lines("设备编号 VE-0001 村务终端打印机工作正常", 16) == [
        "设备编号 VE-0001", "村务终端打印机工", "作正常"]
    assert break_lines("第一行\n\n第三行", 32) == ["第一行", "", "第三行"]
    assert break_lines("", 10) == [""]


def test_pixels_measure_as_well_as_columns() -> None:
    assert break_lines("abcdef", 30, measure=lambda s: 10 * len(s)) == ["abc", "def"]


def test_the_checker_finds_each_kind_of_fault() -> None:
    assert line_faults(["要带身份证", "，户口本"])
    assert line_faults(["村务监督委员会（", "廉情）"])
    assert line_faults(["在 15", "日内答复"])
    assert line_faults(["清单更新于 2024年6月", "1日"])
    assert line_faults(["清单更新于 2024年", "6月1日"])
    assert line_faults(["村务监督委员会", "（廉情）"]) == []
    assert line_faults(["经办：村集体经济组织负责", "人"], ["经办：村集体经济组织负责人"])
    assert line_faults(["请点下面的按", "钮。"], ["请点下面的按钮。"])
    assert line_faults(["第一行", "是"], ["第一行", "是"]) == []  # a paragraph of its own
    assert line_faults(["请点下面的按", "钮。"]) == []  # paragraphs unknown: not judged


def test_a_width_that_is_not_positive_is_refused() -> None:
    with pytest.raises(BadWidth, match="positive") as caught:
        break_lines("中文", 0)
    assert isinstance(caught.value, ChineseTextError)
    assert isinstance(caught.value, ValueError)
