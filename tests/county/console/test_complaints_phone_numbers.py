"""A reply to a complaint is public: a mobile number in it is refused
however it is written, and ordinary dates and amounts are not taken for one."""

from __future__ import annotations

import pytest

from county.console.phone_numbers import has_mobile_number


@pytest.mark.parametrize("reply", [
    "请打 13800138000",
    "请打 138 0013 8000",
    "联系 138-0013-8000",
    "联系 138.0013.8000 王主任",
    "联系（138）0013-8000",
    "电话１３８００１３８０００",
    "电话 １３８－００１３－８０００",
    "电话 138\u200b0013\u200b8000",
    "电话 138/0013/8000。",
    "电话 一三八〇〇一三八〇〇〇",
    "电话 幺三八 零零幺三 八零零零",
    "电话 ١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits
    # atk13b finding 7: capital, spoken and look-alike digits
    "电话 壹叁捌零零壹叁捌零零零",
    "电话 壹參捌零零壹參捌零零零",
    "电话 幺三八洞洞幺三八洞洞洞",
    "电话 138OO138OOO",
    "电话 l38ooI38ooo",
    "电话 壹叁捌 肆伍陆柒 捌玖贰零",
])
def test_a_mobile_number_is_found_however_it_is_written(reply: str) -> None:
    assert has_mobile_number(reply)


@pytest.mark.parametrize("reply", [
    "村委会已在公开栏公布低保评议结果。",
    "已于 2026-11-30 13:05 答复，补发 1,380.00 元。",
    "2026年11月30日13时已补发1380元",
    "座机 0574-6512 3456",  # a landline number is the office's, and allowed
    "第 13 组 8000 元，第 14 组 9000 元",
    "Hello, call at 10 o'clock; Room 101 of Block I",
    "壹万叁仟捌佰元整",
])
def test_dates_amounts_and_landlines_are_not_taken_for_one(reply: str) -> None:
    assert not has_mobile_number(reply)
