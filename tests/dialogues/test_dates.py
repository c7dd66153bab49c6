"""Dates that matter said plainly, in memory: how far away a checklist's date is on the family's
day, and when its deadline is near, what to do first (the flow's `first_step`)."""

from __future__ import annotations

from datetime import date, datetime

from bot.app import App
from core.clock import FixedClock
from core.i18n import Translator
from dialogues.checklist_text import how_far
from dialogues.collecting import Chat
from dialogues.state import KeyDate
from tests.dialogues.conftest import engine_with

FIRST_STEP = "先带上孩子的户口簿、家长身份证和居住证"


def baby_insurance_checklist(app: App, at: datetime) -> Chat:
    """A baby past 90 days in Xiamen, with a residence permit, not insured at home."""
    talk = Chat(engine_with(app, clock=FixedClock(at)))
    for say in ("孩子医保怎么办理 一步步教我", "同意", "厦门", "0", "超过90天", "是", "否"):
        talk.say(say)
    assert talk.effects == ["StoreChecklist"]
    return talk


def test_a_deadline_27_days_away_is_said_with_the_first_thing_to_do(base_app: App) -> None:
    talk = baby_insurance_checklist(base_app, datetime(2026, 12, 4, 9, 0))
    assert "居民医保集中参保期（福建）：2026年9月1日 - 2026年12月31日（还有27天截止，现在就办：" in talk.text
    assert FIRST_STEP in talk.text


def test_a_deadline_further_away_is_said_plainly_without_urgency(base_app: App) -> None:
    talk = baby_insurance_checklist(base_app, datetime(2026, 11, 1, 9, 0))
    assert "2026年12月31日（还有60天截止）" in talk.text
    assert "现在就办" not in talk.text and FIRST_STEP not in talk.text


def test_a_past_window_rolls_to_next_year_as_of_the_familys_day(base_app: App) -> None:
    # 17:00 UTC on 31 December is already 1 January in Xiamen: this year's window has closed
    talk = baby_insurance_checklist(base_app, datetime(2026, 12, 31, 17, 0))
    assert "2027年9月1日 - 2027年12月31日（还有243天开始）" in talk.text
    assert "现在就办" not in talk.text


def test_how_far_a_date_is_in_every_case() -> None:
    t = Translator("zh_Hans")
    window = KeyDate(
        id="w", label="参保", start=date(2026, 9, 1), end=date(2026, 12, 31), first_step="先去社区。"
    )
    assert how_far(window, t, date(2026, 12, 31), 30) == "今天截止，现在就办：先去社区。"
    assert how_far(window, t, date(2027, 1, 1), 30) == "已经过了"
    assert how_far(window, t, date(2026, 1, 2), 30) == "还有242天开始"
    bare = KeyDate(id="e", label="签注", start=date(2027, 10, 1), end=date(2027, 10, 31))
    assert how_far(bare, t, date(2027, 10, 21), 30) == "还有10天截止，现在就办，别等到最后一天。"
    assert how_far(bare, t, date(2026, 12, 4), 30) == "还有301天开始"


def test_how_far_in_english() -> None:
    t = Translator("en")
    window = KeyDate(id="w", label="enrol", start=date(2026, 9, 1), end=date(2026, 12, 31), first_step="Go.")
    assert how_far(window, t, date(2026, 12, 4), 30) == "27 days left: do it now. Go."
    assert how_far(window, t, date(2026, 12, 30), 30) == "1 day left: do it now. Go."
    assert how_far(window, t, date(2026, 8, 31), 30) == "starts in 1 day"
