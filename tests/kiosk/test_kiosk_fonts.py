"""The screen font: the simplified-Chinese face copied out of the Noto CJK
collection once, and found again at every later start."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageFont

from kiosk.fonts import screen_font


def test_the_simplified_chinese_face_is_copied_once_and_reused(tmp_path: Path) -> None:
    first = screen_font(tmp_path)
    family, _ = ImageFont.truetype(str(first), 12).getname()
    assert family is not None and family.endswith("SC")
    copied = first.stat().st_mtime_ns
    again = screen_font(tmp_path)
    assert again == first and again.stat().st_mtime_ns == copied
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]
