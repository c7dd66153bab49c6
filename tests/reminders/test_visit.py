"""The key children's care schedule (reminders/data/key_child_visits.yaml, Fujian plan 一（一）and
一（二）): the next contact a month after the last, the next home visit three months after, month ends
and leap days counted like ages (reminders/age.py), and the April / October information update."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.visit import VISITS_FILE, check_visits, load_visits, month_end, next_update

CARE = load_visits()


def test_the_shipped_schedule_is_valid_and_names_its_items() -> None:
    schedule, problems = check_visits()
    assert problems == [] and schedule is not None
    assert schedule.document == "fujian_plan_2025"
    assert [(rule.id, rule.every_months) for rule in schedule.visits] == [("contact", 1), ("home_visit", 3)]
    assert "每个月联系一次" in schedule.rule("contact").source
    assert "每三个月入户走访一次" in schedule.rule("home_visit").source
    assert "4月和10月" in schedule.update.source and schedule.update.months == (4, 10)


@pytest.mark.parametrize(
    ("kind", "last", "due"),
    [
        ("contact", date(2027, 1, 31), date(2027, 2, 28)),  # 31 January + 1 month: the month's last day
        ("contact", date(2028, 1, 31), date(2028, 2, 29)),  # ... in a leap year the 29th
        ("contact", date(2028, 2, 29), date(2028, 3, 29)),  # a leap day + 1 month
        ("contact", date(2027, 3, 31), date(2027, 4, 30)),
        ("contact", date(2026, 12, 15), date(2027, 1, 15)),  # over the year's end
        ("home_visit", date(2027, 11, 30), date(2028, 2, 29)),  # 30 November + 3 months, leap year
        ("home_visit", date(2026, 11, 30), date(2027, 2, 28)),
        ("home_visit", date(2028, 2, 29), date(2028, 5, 29)),
        ("home_visit", date(2027, 8, 31), date(2027, 11, 30)),
    ],
)
def test_the_next_visit_is_due_months_after_the_last_clamped_at_month_ends(
    kind: str, last: date, due: date
) -> None:
    assert CARE.next_due(kind, last) == due


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (date(2027, 1, 10), date(2027, 4, 1)),
        (date(2027, 3, 31), date(2027, 4, 1)),
        (date(2027, 4, 1), date(2027, 10, 1)),  # done in April: the next is October's
        (date(2027, 4, 30), date(2027, 10, 1)),
        (date(2027, 9, 30), date(2027, 10, 1)),
        (date(2027, 10, 15), date(2028, 4, 1)),  # done in October: next April's
        (date(2027, 12, 31), date(2028, 4, 1)),
        (date(2028, 2, 29), date(2028, 4, 1)),
    ],
)
def test_the_information_update_falls_on_the_next_april_or_october(last: date, due: date) -> None:
    assert CARE.next_due("info_update", last) == due


def test_the_information_update_is_overdue_only_once_its_month_has_ended() -> None:
    due = date(2027, 4, 1)
    assert not CARE.overdue("info_update", due, date(2027, 4, 30))
    assert CARE.overdue("info_update", due, date(2027, 5, 1))
    assert not CARE.overdue("contact", date(2027, 2, 28), date(2027, 2, 28))
    assert CARE.overdue("contact", date(2027, 2, 28), date(2027, 3, 1))


def test_a_home_visit_counts_as_a_contact_and_a_contact_only_as_itself() -> None:
    assert CARE.done_kinds("home_visit") == ("home_visit", "contact")
    assert CARE.done_kinds("contact") == ("contact",)
    assert CARE.done_kinds("info_update") == ("info_update",)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(days)
def test_a_contact_is_never_due_later_than_the_same_day_next_month_nor_skips_a_month(last: date) -> None:
    due = CARE.next_due("contact", last)
    months = (due.year * 12 + due.month) - (last.year * 12 + last.month)
    assert months == 1
    assert due.day == min(last.day, month_end(due).day)
    assert timedelta(days=28) <= due - last <= timedelta(days=31)


@given(days)
def test_the_update_is_the_first_of_april_or_october_within_six_months_after_the_month(last: date) -> None:
    due = next_update(last, (4, 10))
    assert due.day == 1 and due.month in (4, 10)
    assert (due.year, due.month) > (last.year, last.month)
    assert (due.year * 12 + due.month) - (last.year * 12 + last.month) <= 6


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("every_months: 1", "every_months: 0"), "greater than or equal to 1"),
        (("label: visit_home", "label: visit_somewhere"), "not a reminder label"),
        (("counts_as: [contact]", "counts_as: [phone_call]"), "counts_as"),
        (("months: [4, 10]", "months: [4, 13]"), "months are distinct numbers"),
        (("  source: 一、（一）", "  sauce: 一、（一）"), "sauce"),
    ],
)
def test_a_broken_copy_of_the_schedule_is_reported_with_its_line(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    text = VISITS_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "key_child_visits.yaml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    schedule, problems = check_visits(broken)
    assert schedule is None and problems
    assert any(problem in found.message for found in problems), problems
    assert all(found.line > 1 for found in problems)
