"""Reply deadlines in working days: the State Council's holidays skipped,
the weekend days worked in their place counted, a year the table lacks
named (never guessed), a county's own file, the period per kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from county.console.complaints_calendar import (
    HOLIDAYS_FILE,
    WorkCalendar,
    YearMissing,
    published_schedules,
)
from county.console.complaints_deadlines import (
    DEFAULT_WORKING_DAYS,
    deadline,
    read_reply_periods,
)
from county.errors import CountyError

CALENDAR = WorkCalendar(published_schedules())


def test_a_public_holiday_is_skipped() -> None:
    # 2025: National Day and Mid-Autumn, 1 to 8 October off
    assert CALENDAR.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # 2024: Dragon Boat Festival on Monday 10 June
    assert CALENDAR.add_working_days(date(2024, 6, 7), 1) == date(2024, 6, 11)


def test_a_weekend_day_worked_in_a_holidays_place_counts() -> None:
    # Sunday 28 September 2025 is worked before the National Day holiday
    assert CALENDAR.is_working_day(date(2025, 9, 28))
    assert CALENDAR.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    # Saturday 11 October 2025 is worked after it
    assert CALENDAR.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)


def test_fifteen_working_days_across_the_spring_festival() -> None:
    # filed Friday 23 January 2026: Spring Festival 15-23 February off,
    # Saturdays 14 and 28 February worked
    due = CALENDAR.add_working_days(date(2026, 1, 23), DEFAULT_WORKING_DAYS)
    assert due == date(2026, 2, 13)
    due = CALENDAR.add_working_days(date(2026, 2, 6), DEFAULT_WORKING_DAYS)
    # 9,10,11,12,13, 14 (Sat worked), 24,25,26,27, 28 (Sat worked), 2,3,4,5 March
    assert due == date(2026, 3, 5)


def test_each_year_has_the_published_number_of_working_days() -> None:
    def working(year: int) -> int:
        return CALENDAR.working_days_between(date(year - 1, 12, 31), date(year, 12, 31))

    assert (working(2024), working(2025)) == (251, 248)


def test_a_deadline_in_a_year_the_table_lacks_is_estimated_and_says_what_to_add() -> None:
    with pytest.raises(YearMissing) as missing:  # the calendar itself never guesses
        CALENDAR.add_working_days(date(2026, 12, 20), 15)
    assert missing.value.year == 2027
    assert "2027 年的放假安排" in str(missing.value)
    periods = read_reply_periods(Path("/nonexistent"))
    # filed Sunday 20 December 2026: 21-25, 28-31 December (9), then Monday
    # to Friday of 2027 counted (1 January among them: its holiday unknown)
    shown = deadline(CALENDAR, periods, "complaint", date(2026, 12, 20), date(2026, 12, 21))
    assert (shown.due, shown.left, shown.overdue) == (date(2027, 1, 8), 14, False)
    assert shown.estimated == (2027,)
    assert shown.estimate_note == "2027年的节假日还没录入，按周一到周五估算"
    assert shown.problem is not None and "2027 年的放假安排" in shown.problem
    assert "holidays.toml" in shown.problem and "技术员" in shown.problem
    # overdue is still marked: 11 January to 10 February 2027, Monday to Friday
    late = deadline(CALENDAR, periods, "complaint", date(2026, 12, 20), date(2027, 2, 10))
    assert (late.due, late.overdue, late.late, late.estimated) == (date(2027, 1, 8), True, 23,
                                                                   (2027,))
    # wholly inside the table: not an estimate
    known = deadline(CALENDAR, periods, "complaint", date(2026, 11, 30), date(2026, 11, 30))
    assert (known.due, known.estimated, known.problem) == (date(2026, 12, 21), (), None)


def test_a_county_adds_a_year_in_its_own_file(tmp_path: Path) -> None:
    (tmp_path / HOLIDAYS_FILE).write_text(
        '[2027]\nnotice = "test"\nholidays = ["2027-01-01", "2027-02-08..2027-02-12"]\n'
        'workdays = ["2027-02-07"]\n', encoding="utf-8")
    calendar = WorkCalendar.of_county(tmp_path)
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 2, 7))  # a Sunday worked
    assert calendar.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 15)
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


@pytest.mark.parametrize("text, complaint", [
    ("[2027]\nholidays = [\"2027-13-01\"]\n", "[2027]"),
    ("[2027]\nholidays = [\"2026-01-01\"]\n", "not in 2027"),
    ("[2027]\nholiday = []\n", "has no holiday"),
    ("[next]\n", "each table is a year"),
])
def test_a_wrong_county_file_is_named_with_what_to_fix(tmp_path: Path, text: str,
                                                       complaint: str) -> None:
    (tmp_path / HOLIDAYS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(CountyError, match=r"holidays\.toml") as error:
        WorkCalendar.of_county(tmp_path)
    assert complaint in str(error.value)


def test_the_period_per_kind_comes_from_county_toml(tmp_path: Path) -> None:
    assert read_reply_periods(tmp_path).of("whistle") == DEFAULT_WORKING_DAYS == 15
    (tmp_path / "county.toml").write_text(
        "[complaints.working_days]\nwhistle = 30\n", encoding="utf-8")
    periods = read_reply_periods(tmp_path)
    assert (periods.of("complaint"), periods.of("whistle")) == (15, 30)
    (tmp_path / "county.toml").write_text(
        "[complaints.working_days]\nwhistle = \"30\"\n", encoding="utf-8")
    with pytest.raises(CountyError, match="whole number of working days"):
        read_reply_periods(tmp_path)


def test_overdue_counts_working_days_past_the_deadline() -> None:
    periods = read_reply_periods(Path("/nonexistent"))
    filed = date(2025, 9, 5)  # a Friday; 15 working days later: Friday 26 September
    ahead = deadline(CALENDAR, periods, "complaint", filed, date(2025, 9, 24))
    assert (ahead.due, ahead.left, ahead.overdue) == (date(2025, 9, 26), 2, False)
    on_the_day = deadline(CALENDAR, periods, "complaint", filed, date(2025, 9, 26))
    assert (on_the_day.left, on_the_day.overdue) == (0, False)
    weekend = deadline(CALENDAR, periods, "complaint", filed, date(2025, 9, 27))
    assert (weekend.overdue, weekend.late) == (True, 0)
    late = deadline(CALENDAR, periods, "complaint", filed, date(2025, 10, 9))
    # 28 Sep (a Sunday worked), 29 and 30 Sep, then 9 Oct after the holiday
    assert (late.overdue, late.late) == (True, 4)
