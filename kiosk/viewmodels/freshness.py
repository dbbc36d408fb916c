""""Updated at" lines: every piece of data on screen says how old it is."""

from __future__ import annotations

from datetime import date, datetime


def date_label(day: date) -> str:
    """``2024年6月1日``: the form elderly readers know from notices."""
    return f"{day.year}年{day.month}月{day.day}日"


def moment_label(moment: datetime, now: datetime) -> str:
    """``今天 10:32``, ``昨天 18:05`` or ``2024年6月1日 09:00``."""
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    days = (now.date() - moment.date()).days
    if days == 0:
        return f"今天 {clock}"
    if days == 1:
        return f"昨天 {clock}"
    return f"{date_label(moment.date())} {clock}"


def updated_line(what: str, moment: datetime | date | None, now: datetime) -> str:
    """E.g. ``清单更新于 2024年6月1日``; ``清单：还没有收到更新`` when unknown."""
    if moment is None:
        return f"{what}：还没有收到更新"
    if isinstance(moment, datetime):
        return f"{what}更新于 {moment_label(moment, now)}"
    return f"{what}更新于 {date_label(moment)}"
