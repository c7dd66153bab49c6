"""Calendar arithmetic of ages: month ends clamp to the month's last day, leap days, durations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.age import Duration, add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 5, 15), 0, date(2024, 5, 15)),
        (date(2024, 12, 1), 1, date(2025, 1, 1)),
    ],
)
def test_adding_months_lands_on_the_same_day_or_the_last_day_of_the_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(0, 240))
def test_adding_months_never_skips_into_the_month_after(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or (result.day < start.day and (result + timedelta(days=1)).day == 1)


@pytest.mark.parametrize(
    ("text", "months", "days", "shown"),
    [("2m", 2, 0, "2m"), ("6y", 72, 0, "6y"), ("28d", 0, 28, "28d"), ("1y6m", 18, 0, "1y6m"),
     ("8m7d", 8, 7, "8m7d"), ("0d", 0, 0, "0d")],
)  # fmt: skip
def test_durations_read_years_months_and_days(text: str, months: int, days: int, shown: str) -> None:
    duration = Duration.parse(text)
    assert (duration.months, duration.days) == (months, days)
    assert str(duration) == shown


@pytest.mark.parametrize("text", ["", "2", "m2", "2w", "6m1y", "-1m", "2 m x"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        Duration.parse(text)


def test_a_duration_adds_months_then_days() -> None:
    assert Duration.parse("1m3d").after(date(2025, 1, 31)) == date(2025, 3, 3)
