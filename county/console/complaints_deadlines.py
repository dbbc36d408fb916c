"""When the county owes a reply to a complaint or a whistle-blower report:
a number of working days (:mod:`county.console.complaints_calendar`) after
the day it was filed, per kind, from ``county.toml``::

    [complaints.working_days]
    complaint = 15     # default 15: what the kiosk's receipt promises
    whistle = 15

The day of filing is not counted; the reply is due by the end of the last
working day counted (the kiosk's rule, :mod:`kiosk.services.workdays`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from county.console.complaints_calendar import WorkCalendar, YearMissing
from county.errors import CountyError
from county.settings import CONFIG_FILE

KINDS = ("complaint", "whistle")
DEFAULT_WORKING_DAYS = 15


@dataclass(frozen=True)
class ReplyPeriods:
    working_days: dict[str, int]

    def of(self, kind: str) -> int:
        return self.working_days.get(kind, DEFAULT_WORKING_DAYS)


def read_reply_periods(root: Path) -> ReplyPeriods:
    """The ``[complaints.working_days]`` of the county in *root*;
    :class:`CountyError` saying what to fix."""
    path = root / CONFIG_FILE
    days = dict.fromkeys(KINDS, DEFAULT_WORKING_DAYS)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ReplyPeriods(days)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    table = document.get("complaints", {})
    if not isinstance(table, dict) or set(table) - {"working_days"}:
        raise CountyError(f"{path}: [complaints] has only [complaints.working_days]")
    given = table.get("working_days", {})
    if not isinstance(given, dict):
        raise CountyError(f"{path}: [complaints.working_days] must be a table")
    for kind, value in given.items():
        if kind not in KINDS:
            raise CountyError(f"{path}: [complaints.working_days] has no {kind} (it has "
                              f"{' and '.join(KINDS)})")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            raise CountyError(f"{path}: [complaints.working_days] {kind} must be a whole "
                              "number of working days from 1 to 120")
        days[kind] = value
    return ReplyPeriods(days)


@dataclass(frozen=True)
class Deadline:
    """A complaint's reply deadline as of *today*. *estimated*: the years it
    was counted through whose holidays the calendar lacks (Monday to Friday
    counted there), and *problem* says which file to add them to."""

    due: date
    left: int | None = None  # working days left after today (0: due today)
    late: int | None = None  # working days past the deadline (0: only a weekend or holiday)
    estimated: tuple[int, ...] = ()
    problem: str | None = None

    @property
    def overdue(self) -> bool:
        return self.late is not None

    @property
    def estimate_note(self) -> str | None:
        """The estimate, in plain words: "2027年的节假日还没录入，按周一到周五估算"."""
        if not self.estimated:
            return None
        return f"{'、'.join(map(str, self.estimated))}年的节假日还没录入，按周一到周五估算"


def _counted(calendar: WorkCalendar, periods: ReplyPeriods, kind: str, filed: date,
             today: date) -> Deadline:
    due = calendar.add_working_days(filed, periods.of(kind))
    if today <= due:
        return Deadline(due, left=calendar.working_days_between(today, due))
    return Deadline(due, late=calendar.working_days_between(due, today))


def deadline(calendar: WorkCalendar, periods: ReplyPeriods, kind: str, filed: date,
             today: date, since: date | None = None) -> Deadline:
    """The deadline of a report of *kind* filed on *filed*. Through a year
    the calendar lacks, Monday to Friday are counted, and the deadline says
    it is estimated (never "cannot be worked out": the handler still sees
    what is due and what is overdue). A year before *since* (the day the
    county's first device was enrolled) is counted Monday to Friday without
    a word: no report was filed then, so nobody is asked to add its holidays
    (a kiosk's clock or a test's data cannot set the technicians a task)."""
    try:
        return _counted(calendar, periods, kind, filed, today)
    except YearMissing as missing:
        shown = _counted(calendar.estimating(), periods, kind, filed, today)
        years = calendar.missing_years(filed, max(shown.due, today)) or [missing.year]
        years = [year for year in years if since is None or year >= since.year]
        if not years:
            return shown
        return replace(shown, estimated=tuple(years),
                       problem=str(YearMissing(years[0], calendar.source)))
