"""The reply due date: working days after filing, weekends and listed holidays skipped."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.services.workdays import REPLY_WORKING_DAYS, add_working_days, reply_due


def test_fifteen_working_days_from_a_friday_is_three_weeks_later() -> None:
    assert REPLY_WORKING_DAYS == 15
    assert reply_due(date(2024, 6, 7)) == date(2024, 6, 28)


def test_filing_at_the_weekend_counts_from_the_monday() -> None:
    assert reply_due(date(2024, 6, 8)) == date(2024, 6, 28)
    assert reply_due(date(2024, 6, 9)) == date(2024, 6, 28)
    assert reply_due(date(2024, 6, 10)) == date(2024, 7, 1)


def test_the_day_of_filing_is_not_counted() -> None:
    assert add_working_days(date(2024, 6, 3), 1) == date(2024, 6, 4)  # Monday -> Tuesday
    assert add_working_days(date(2024, 6, 7), 1) == date(2024, 6, 10)  # Friday -> Monday


def test_holidays_are_skipped_and_worked_weekend_days_count() -> None:
    dragon_boat = date(2024, 6, 10)
    assert reply_due(date(2024, 6, 7), holidays={dragon_boat}) == date(2024, 7, 1)
    worked_sunday = date(2024, 6, 9)
    assert reply_due(date(2024, 6, 7), workdays={worked_sunday}) == date(2024, 6, 27)


def test_the_period_is_a_parameter() -> None:
    assert reply_due(date(2024, 6, 7), 5) == date(2024, 6, 14)
    with pytest.raises(ValueError, match="at least 1 working day"):
        reply_due(date(2024, 6, 7), 0)
