"""How the console writes times and numbers: Beijing time (China has one
time zone and no summer time), dates as 2026-11-30 14:05, and "5 分钟前"."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from county.console.matter_text import shown_matter

BEIJING = timezone(timedelta(hours=8), "北京时间")


#: What a time that cannot be a date is shown as (a device's clock gone wrong).
UNKNOWN_TIME = "时间不详（设备时钟异常）"
#: A device's clock before this (2020-01-01) is a clock that was never set.
EARLIEST_DEVICE_TIME = 1577836800.0
#: How far ahead of the county's clock a device's may run and still be believed.
DEVICE_CLOCK_AHEAD = 86400.0


def when(timestamp: float | None) -> str:
    """*timestamp* as a date and time in Beijing; any number at all (a
    device's clock may say year 10000, 1e15 or before 1970) is written,
    never an error: :data:`UNKNOWN_TIME` when it is not a date from 1970 on."""
    if timestamp is None:
        return "—"
    if not timestamp >= 0:  # before 1970, or not a number at all
        return UNKNOWN_TIME
    try:
        return datetime.fromtimestamp(timestamp, BEIJING).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError, TypeError):
        return UNKNOWN_TIME


def device_time(at: float | None, now: float) -> float | None:
    """A device's *at* if it can be a time the device saw (from 2020 to a
    day past the county's *now*), else None: what is ordered or counted
    by time uses the county's own time instead."""
    if at is None or not math.isfinite(at):
        return None
    return at if EARLIEST_DEVICE_TIME <= at <= now + DEVICE_CLOCK_AHEAD else None


def ago(timestamp: float | None, now: float) -> str:
    if timestamp is None:
        return "从未"
    if not math.isfinite(timestamp):
        return UNKNOWN_TIME
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


MAX_SHOWN_CHARS = 500  # of a device's text (an alarm's, a matter, a reason) on a page


def clip(text: object, most: int = MAX_SHOWN_CHARS) -> str:
    """A device's *text* as a page shows it: whole when short, else its
    first *most* characters and how long it is ("……（共 N 字）")."""
    shown = str(text)
    return shown if len(shown) <= most else f"{shown[:most]}……（共 {len(shown)} 字）"


FILTERS: dict[str, Callable[..., Any]] = {"when": when, "ago": ago, "yuan": yuan, "clip": clip,
                                          "matter": shown_matter}
