"""Working days as the State Council's public-holiday schedule makes them:
Monday to Friday, less the public holidays, plus the weekend days worked in
their place (调休上班).

The schedule is published once a year (国务院办公厅关于某年部分节假日安排
的通知), so the years are a table: :func:`published_schedules` holds the years the
product has run in, from the published notices; a county adds a year (or
corrects one) in ``DATA/holidays.toml`` without waiting for a new release::

    [2027]
    notice = "国办发明电〔2026〕X号"
    holidays = ["2027-01-01", "2027-02-06..2027-02-14"]   # a day, or first..last
    workdays = ["2027-02-15"]                             # Saturdays and Sundays worked

A day in a year that neither holds is not guessed by default: counting
into it raises :class:`YearMissing`, whose message says which year to add
and where. :meth:`WorkCalendar.estimating` is the calendar that counts
Monday to Friday in such a year instead, for a deadline that is shown as
estimated (each November or December a complaint's deadline falls in the
next year, whose schedule is not yet published).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from county.errors import CountyError

HOLIDAYS_FILE = "holidays.toml"


class YearMissing(CountyError, LookupError):
    """A working day was counted into a year the schedule does not hold."""

    def __init__(self, year: int, file: Path | None = None) -> None:
        where = str(file) if file is not None else f"the data directory's {HOLIDAYS_FILE}"
        super().__init__(
            f"{year}年的节假日还没录入，按周一到周五估算答复期限。请技术员按国务院办公厅公布的"
            f"通知，把 {year} 年的放假安排（放假日期和调休上班日期）写进 {where}"
            "（格式见 docs/console.md），期限就会按节假日算。")
        self.year = year


@dataclass(frozen=True)
class YearSchedule:
    """One year's public holidays (weekdays off) and the weekend days worked."""

    year: int
    notice: str
    holidays: frozenset[date]
    workdays: frozenset[date]


def _days(first: str, last: str | None = None) -> Iterable[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last) if last else start
    if end < start:
        raise ValueError(f"{first}..{last} ends before it starts")
    while start <= end:
        yield start
        start += timedelta(days=1)


def _schedule(year: int, notice: str, holidays: Iterable[str],
              workdays: Iterable[str]) -> YearSchedule:
    off: set[date] = set()
    for entry in holidays:
        first, _, last = entry.partition("..")
        off.update(_days(first.strip(), last.strip() or None))
    worked = {date.fromisoformat(day.strip()) for day in workdays}
    strays = sorted(str(day) for day in off | worked if day.year != year)
    if strays:
        raise ValueError(f"{', '.join(strays)} not in {year}")
    clash = sorted(str(day) for day in off & worked)
    if clash:
        raise ValueError(f"{', '.join(clash)} both a holiday and a working day")
    return YearSchedule(year, notice, frozenset(off), frozenset(worked))


#: The published schedules (the whole days off, weekend days among them;
#: the weekend days worked). From the notices of the General Office of the
#: State Council for each year.
_PUBLISHED: dict[int, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    2024: ("国办发明电〔2023〕7号",
           ("2024-01-01", "2024-02-10..2024-02-17", "2024-04-04..2024-04-06",
            "2024-05-01..2024-05-05", "2024-06-08..2024-06-10", "2024-09-15..2024-09-17",
            "2024-10-01..2024-10-07"),
           ("2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11",
            "2024-09-14", "2024-09-29", "2024-10-12")),
    2025: ("国办发明电〔2024〕12号",
           ("2025-01-01", "2025-01-28..2025-02-04", "2025-04-04..2025-04-06",
            "2025-05-01..2025-05-05", "2025-05-31..2025-06-02", "2025-10-01..2025-10-08"),
           ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11")),
    2026: ("国办发明电〔2025〕7号",
           ("2026-01-01..2026-01-03", "2026-02-15..2026-02-23", "2026-04-04..2026-04-06",
            "2026-05-01..2026-05-05", "2026-06-19..2026-06-21", "2026-09-25..2026-09-27",
            "2026-10-01..2026-10-07"),
           ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
            "2026-10-10")),
}


def published_schedules() -> dict[int, YearSchedule]:
    return {year: _schedule(year, notice, off, worked)
            for year, (notice, off, worked) in _PUBLISHED.items()}


def read_county_schedules(root: Path) -> dict[int, YearSchedule]:
    """The years in ``root/holidays.toml`` (none without the file);
    :class:`CountyError` saying what to fix."""
    path = root / HOLIDAYS_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CountyError(f"{path} cannot be read: {error}") from None
    years = {}
    for key, table in document.items():
        where = f"{path}: [{key}]"
        if not key.isdigit() or not 2000 <= int(key) <= 2100 or not isinstance(table, dict):
            raise CountyError(f"{where}: each table is a year, such as [2027]")
        unknown = sorted(set(table) - {"notice", "holidays", "workdays"})
        if unknown:
            raise CountyError(f"{where} has no {', '.join(unknown)} (it has notice, holidays "
                              "and workdays)")
        off, worked = table.get("holidays", []), table.get("workdays", [])
        if not (isinstance(off, list) and isinstance(worked, list)
                and all(isinstance(day, str) for day in (*off, *worked))):
            raise CountyError(f"{where}: holidays and workdays are lists of dates in quotes, "
                              "\"2027-01-01\" or a range \"2027-02-06..2027-02-14\"")
        try:
            years[int(key)] = _schedule(int(key), str(table.get("notice", "")), off, worked)
        except ValueError as error:
            raise CountyError(f"{where}: {error}") from None
    return years


@dataclass(frozen=True)
class WorkCalendar:
    """Working days over the years of *schedules*; *source* names the
    county's file in the message of :class:`YearMissing`."""

    schedules: Mapping[int, YearSchedule]
    source: Path | None = None
    estimate: bool = False  # count Monday to Friday in a year the schedules lack

    @classmethod
    def of_county(cls, root: Path) -> WorkCalendar:
        """The published years, with the county's own file over them."""
        return cls({**published_schedules(), **read_county_schedules(root)},
                   root / HOLIDAYS_FILE)

    def estimating(self) -> WorkCalendar:
        """This calendar, counting Monday to Friday in a year it lacks."""
        return replace(self, estimate=True)

    def missing_years(self, first: date, last: date) -> list[int]:
        """The years from *first* to *last* that the schedules lack."""
        return [year for year in range(first.year, last.year + 1) if year not in self.schedules]

    def is_working_day(self, day: date) -> bool:
        schedule = self.schedules.get(day.year)
        if schedule is None:
            if self.estimate:
                return day.weekday() < 5
            raise YearMissing(day.year, self.source)
        if day in schedule.workdays:
            return True
        return day.weekday() < 5 and day not in schedule.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The *days*-th working day after *start* (*start* not counted)."""
        if days < 1:
            raise ValueError(f"a reply period is at least 1 working day, got {days}")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The working days after *start* up to and including *end* (0 if
        *end* is not after *start*)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def describe(schedules: Mapping[int, Any]) -> str:
    """``2024、2025、2026``: the years a calendar holds."""
    return "、".join(str(year) for year in sorted(schedules))
