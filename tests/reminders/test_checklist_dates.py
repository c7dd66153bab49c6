"""Reminders from a finished flow's key dates: the residence permit's yearly endorsement (签注) and a
city's school-registration window, at month ends and leap days; labels name their source, and an
unverified window asks the parent to confirm with the local education department."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.i18n import Translator
from reminders.checklist_dates import RENEWAL_BEFORE, SEND_HOUR, plan_key_dates
from reminders.label import render_label
from reminders.schedule import load_schedule

SOURCE = "《居住证暂行条例》第10条"


def renewal(end: str) -> dict[str, object]:
    return {"id": "endorsement", "start": "2000-01-01", "end": end, "reminder": "renewal", "source": SOURCE}


def days(end: str, today: date) -> list[tuple[date, date]]:
    planned = plan_key_dates([renewal(end)], user_key="wechat:o1", zone="Asia/Shanghai", today=today)
    return [(reminder.send_at.date(), reminder.due) for reminder in planned]


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("2028-02-29", [("2028-02-15", "2028-02-29"), ("2028-02-29", "2028-02-29"),
                        ("2029-02-14", "2029-02-28"), ("2029-02-28", "2029-02-28")]),
        ("2027-01-31", [("2027-01-17", "2027-01-31"), ("2027-01-31", "2027-01-31"),
                        ("2028-01-17", "2028-01-31"), ("2028-01-31", "2028-01-31")]),
        ("2027-03-01", [("2027-02-15", "2027-03-01"), ("2027-03-01", "2027-03-01"),
                        ("2028-02-16", "2028-03-01"), ("2028-03-01", "2028-03-01")]),
        ("2026-12-31", [("2026-12-17", "2026-12-31"), ("2026-12-31", "2026-12-31"),
                        ("2027-12-17", "2027-12-31"), ("2027-12-31", "2027-12-31")]),
    ],
)  # fmt: skip
def test_the_endorsement_is_reminded_before_the_anniversary_and_on_the_day_this_year_and_next(
    end: str, expected: list[tuple[str, str]]
) -> None:
    found = days(end, date(2026, 1, 1))
    assert found == [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in expected]
    assert all((about - on).days in (0, RENEWAL_BEFORE) for on, about in found[:2])


def test_days_already_past_are_not_planned() -> None:
    assert days("2028-02-29", date(2028, 2, 20)) == [
        (date(2028, 2, 29), date(2028, 2, 29)),
        (date(2029, 2, 14), date(2029, 2, 28)),
        (date(2029, 2, 28), date(2029, 2, 28)),
    ]


def test_reminders_go_out_in_the_morning_of_the_familys_day_and_are_renewals() -> None:
    [first, *_] = plan_key_dates(
        [renewal("2027-05-10")], user_key="web:x", zone="Asia/Shanghai", today=date(2027, 1, 1)
    )
    assert first.kind == "renewal" and first.channel == "web" and first.label_id == "residence_permit_renewal"
    assert first.send_at.astimezone(UTC) == datetime(2027, 4, 26, SEND_HOUR - 8, tzinfo=UTC)
    assert first.params["source"] == SOURCE


def test_a_date_without_a_reminder_kind_plans_nothing() -> None:
    plain = {"id": "enrolment", "start": "2027-09-01", "end": "2027-12-31", "reminder": None}
    assert plan_key_dates([plain], user_key="web:x", zone="UTC", today=date(2027, 1, 1)) == []


def test_a_school_window_is_reminded_before_it_opens_when_it_opens_and_before_it_closes() -> None:
    window = {"id": "registration_primary", "start": "2028-03-01", "end": "2028-03-31", "reminder": "school",
              "source": "《测试市招生通知》第三条", "verified": False, "stage": "primary"}  # fmt: skip
    planned = plan_key_dates([window], user_key="web:x", zone="Asia/Shanghai", today=date(2028, 1, 1))
    assert [(r.send_at.date(), r.due) for r in planned] == [
        (date(2028, 2, 23), date(2028, 3, 1)),  # 7 days before, over a leap day
        (date(2028, 3, 1), date(2028, 3, 1)),
        (date(2028, 3, 29), date(2028, 3, 31)),
    ]
    assert {r.kind for r in planned} == {"school"} and len({r.idempotency_key for r in planned}) == 3


RENEWAL_TEXT = {
    "zh_Hans": "居住证签注（依据：《居住证暂行条例》第10条）",
    "zh_Hant": "居住證簽注（依據：《居住證暫行條例》第10條）",
    "en": "residence permit endorsement (source: 《居住证暂行条例》第10条)",
}
SCHOOL_TEXT = {
    "zh_Hans": "小学入学报名（依据：《测试市招生通知》第三条），请向当地教育部门确认",
    "zh_Hant": "小學入學報名（依據：《測試市招生通知》第三條），請向當地教育部門確認",
    "en": "primary school registration (source: 《测试市招生通知》第三条)"
    " - please confirm with the local education department",
}


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_labels_name_their_source_in_the_parents_language(locale: str) -> None:
    t = Translator(locale)
    schedule = load_schedule()
    assert render_label(schedule, t, "residence_permit_renewal", {"source": SOURCE}) == RENEWAL_TEXT[locale]
    school = {"source": "《测试市招生通知》第三条", "verified": False, "stage": "primary"}
    assert render_label(schedule, t, "school_registration", school) == SCHOOL_TEXT[locale]
    assert "确认" not in render_label(
        schedule, Translator("zh_Hans"), "school_registration", {**school, "verified": True}
    )
