"""Quiet hours at the edges of the family's day: deferred to their end, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.quiet import QuietHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = QuietHours.parse("21:00-08:00")


def local(hour: int, minute: int, day: int = 5) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (local(20, 59), local(20, 59)),  # the last minute of the day still sends
        (local(21, 0), local(8, 0, day=6)),  # quiet from 21:00: the next morning
        (local(23, 59), local(8, 0, day=6)),
        (local(0, 0), local(8, 0)),
        (local(7, 59), local(8, 0)),  # still quiet: the same morning
        (local(8, 0), local(8, 0)),  # 08:00 sends
    ],
)
def test_quiet_hours_edges_in_shanghai(at: datetime, allowed: datetime) -> None:
    assert DEFAULT.next_allowed(at.astimezone(UTC), "Asia/Shanghai") == allowed


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_a_deferred_reminder_lands_at_the_end_of_quiet_hours_within_eleven_hours(at: datetime) -> None:
    allowed = DEFAULT.next_allowed(at, "Asia/Shanghai")
    assert at <= allowed <= at + timedelta(hours=11)
    assert not DEFAULT.is_quiet(allowed.astimezone(SHANGHAI).time())
    if allowed != at:
        assert DEFAULT.is_quiet(at.astimezone(SHANGHAI).time())
        assert allowed.astimezone(SHANGHAI).time() == time(8, 0)


@given(st.times(), st.times(), st.times())
def test_a_time_is_quiet_exactly_when_it_falls_in_the_window(start: time, end: time, at: time) -> None:
    quiet = QuietHours(start, end)
    minutes = [(t.hour * 60 + t.minute) * 60 + t.second + t.microsecond / 1e6 for t in (start, end, at)]
    s, e, a = minutes
    inside = (s <= a < e) if s < e else (a >= s or a < e) if s > e else False
    assert quiet.is_quiet(at) == inside


def test_bad_quiet_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="21:00-08:00"):
        QuietHours.parse("nine to eight")
