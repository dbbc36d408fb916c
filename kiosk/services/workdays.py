"""The date by which the county owes a reply: a number of working days after
the day a report is filed.

The rule used: the day of filing does not count; Saturdays, Sundays and the
dates in *holidays* are not working days; the reply is due by the end of the
last working day counted. Fifteen working days is the default
(:data:`REPLY_WORKING_DAYS`), a common practice for acknowledging
petitions and complaints; a county that promises another period passes its
own. China's public holidays and the weekend days worked in their place
(调休) change every year, so they are not built in: pass them as *holidays*
(and *workdays*, for a Saturday or Sunday that is worked).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

REPLY_WORKING_DAYS = 15


def is_working_day(
    day: date, holidays: Collection[date] = (), workdays: Collection[date] = ()
) -> bool:
    """Monday to Friday, not a holiday; or a weekend day listed in *workdays*."""
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: date,
    days: int,
    *,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> date:
    """The *days*-th working day after *start* (*start* itself is not counted)."""
    if days < 1:
        raise ValueError(f"a reply period is at least 1 working day, got {days}")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays, workdays):
            counted += 1
    return day


def reply_due(
    filed: date,
    working_days: int = REPLY_WORKING_DAYS,
    *,
    holidays: Collection[date] = (),
    workdays: Collection[date] = (),
) -> date:
    """The date by which a report filed on *filed* must be answered."""
    return add_working_days(filed, working_days, holidays=holidays, workdays=workdays)
