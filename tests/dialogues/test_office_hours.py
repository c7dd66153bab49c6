"""What a parent is told when a ticket opens, as a pure function of the clock and the office hours:
inside hours how soon a worker replies; a minute before or after, when the office opens and the
hotlines; across a whole week without holidays; in the office's own time zone; urgent tickets always
with the emergency numbers. And the handoff reply itself in a conversation (the tests' Sunday)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import Translator
from dialogues.collecting import Chat
from dialogues.office_hours import Office, OfficeHours, Window, what_happens_next
from dialogues.state import Place

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")  # UTC+6: two hours behind Beijing time
WEEKDAYS = tuple(
    window
    for day in range(5)
    for window in (Window(day, time(8, 30), time(12)), Window(day, time(14, 30), time(17, 30)))
)
XIAMEN = Office(SHANGHAI, WEEKDAYS, 30)
ZH = Translator("zh_Hans")


def at(day: int, hour: int, minute: int, zone: ZoneInfo = SHANGHAI) -> datetime:
    """Local time on a day of the week of 2026-11-23 (a Monday; day 0) as a UTC instant."""
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=zone).astimezone(UTC)


def test_a_minute_before_opening_the_parent_hears_when_it_opens_and_the_hotlines() -> None:
    said = what_happens_next(ZH, XIAMEN, at(1, 8, 29), urgent=False)
    assert "今天 08:30" in said and "12345" in said and "12355" in said and "110" in said
    assert "30分钟" not in said


def test_at_opening_and_a_minute_after_the_parent_hears_how_soon_a_worker_replies() -> None:
    for moment in (at(1, 8, 30), at(1, 8, 31), at(1, 17, 29)):
        said = what_happens_next(ZH, XIAMEN, moment, urgent=False)
        assert "30分钟内" in said and "12345" not in said


def test_at_closing_and_over_lunch_the_next_opening_is_named() -> None:
    assert "今天 14:30" in what_happens_next(ZH, XIAMEN, at(2, 12, 0), urgent=False)
    assert "明天 08:30" in what_happens_next(ZH, XIAMEN, at(2, 17, 30), urgent=False)
    assert "周一 08:30" in what_happens_next(ZH, XIAMEN, at(4, 17, 31), urgent=False)  # Friday evening
    assert "明天 08:30" in what_happens_next(ZH, XIAMEN, at(6, 12, 0), urgent=False)  # Sunday noon


@given(st.integers(min_value=0, max_value=7 * 24 * 60 - 1))
def test_over_a_week_without_holidays_the_office_is_open_exactly_in_its_windows(minutes: int) -> None:
    moment = at(0, 0, 0) + timedelta(minutes=minutes)
    local = moment.astimezone(SHANGHAI)
    inside = local.weekday() < 5 and (
        time(8, 30) <= local.time() < time(12) or time(14, 30) <= local.time() < time(17, 30)
    )
    assert XIAMEN.is_open(moment) is inside
    opening = XIAMEN.next_opening(moment)
    assert opening is not None and opening > moment and XIAMEN.is_open(opening)
    if not inside:  # closed from now until the opening named
        assert not XIAMEN.is_open(max(moment, opening - timedelta(minutes=1)))


def test_an_office_in_another_zone_is_open_in_its_own_local_time() -> None:
    kashgar = Office(URUMQI, WEEKDAYS, 45)
    moment = at(1, 10, 0, SHANGHAI)  # 08:00 in Urumqi: not yet open there
    assert XIAMEN.is_open(moment) and not kashgar.is_open(moment)
    said = what_happens_next(ZH, kashgar, moment, urgent=False)
    assert "今天 08:30" in said  # its own local time
    assert "45分钟内" in what_happens_next(ZH, kashgar, at(1, 10, 31, URUMQI), urgent=False)


def test_the_most_precise_place_wins_else_the_default() -> None:
    hainan = Office(SHANGHAI, (Window(0, time(8), time(12)),), 60)
    siming = Office(SHANGHAI, (Window(5, time(9), time(12)),), 20)
    hours = OfficeHours(XIAMEN, {("province", "hainan"): hainan, ("district", "siming"): siming})
    assert hours.for_place(Place(province="hainan", city="haikou")) is hainan
    assert hours.for_place(Place(province="fujian", city="xiamen", district="siming")) is siming
    assert hours.for_place(Place(province="fujian", city="xiamen", district="huli")) is XIAMEN
    assert hours.for_place(Place()) is XIAMEN


@pytest.mark.parametrize("moment", [at(1, 10, 0), at(1, 22, 0), at(5, 10, 0)])
def test_an_urgent_ticket_always_gets_the_emergency_numbers(moment: datetime) -> None:
    said = what_happens_next(ZH, XIAMEN, moment, urgent=True)
    assert "110" in said and "120" in said
    assert "110" in what_happens_next(ZH, None, moment, urgent=True)


def test_an_office_never_open_promises_no_time() -> None:
    closed = Office(SHANGHAI, (), 30)
    said = what_happens_next(ZH, closed, at(1, 10, 0), urgent=False)
    assert "尽快" in said and "12345" in said


def test_the_text_is_translated() -> None:
    said = what_happens_next(Translator("en"), XIAMEN, at(4, 17, 31), urgent=True)
    assert "Mon 08:30" in said and "12345" in said and "110" in said
    assert not any("\u4e00" <= char <= "\u9fff" for char in said)


def test_the_parent_asking_for_a_person_on_a_sunday_hears_when_the_office_opens(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    talk.say("我在厦门湖里")
    talk.say("/human")
    talk.press("可以")
    assert "明天 08:30" in talk.text and "12345" in talk.text  # the tests' clock: Sunday 17:00 in Xiamen


def test_a_crisis_says_when_a_worker_will_be_there_between_the_numbers_and_the_questions(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    talk.say("他爸喝醉了又打孩子，孩子头上流血了")
    texts = [reply.text for reply in talk.last.replies]
    assert "110" in texts[0]
    assert any("明天 08:30" in text and "120" in text for text in texts[1:-1])
    assert "安全" in texts[-1]
