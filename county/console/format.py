"""How the console writes times and numbers: Beijing time (China has one
time zone and no summer time), dates as 2026-11-30 14:05, and "5 分钟前"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8), "北京时间")


def when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, BEIJING).strftime("%Y-%m-%d %H:%M")


def ago(timestamp: float | None, now: float) -> str:
    if timestamp is None:
        return "从未"
    seconds = max(0.0, now - timestamp)
    if seconds < 60:
        return "刚才"
    if seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时前"
    return f"{int(seconds // 86400)} 天前"


def yuan(amount: int | None) -> str:
    return "—" if amount is None else f"{amount:,} 元"


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "ago": ago, "yuan": yuan}
