"""Reminders from a finished flow's key dates (pure): the residence permit's yearly endorsement
(签注, kind `renewal`) and a city's school-registration window (kind `school`). The flow's date rule
says which of its dates become reminders (`reminder: renewal | school` in dialogues/flows/*.yaml);
the stored checklist carries them as dicts: id, label, start, end (ISO dates), reminder, source,
verified.

- renewal: the deadline is the window's end (the permit's anniversary: 《居住证暂行条例》 Art. 10, the
  endorsement is done in the month before each full year of residence); a reminder `RENEWAL_BEFORE`
  days before and one on the day, this year and the next `RENEWAL_YEARS - 1` (each a year later by the
  calendar-month rule of reminders/age.py: 29 February -> 28 February).
- school: a reminder `SCHOOL_BEFORE` days before the window opens, on its first day, and
  `SCHOOL_CLOSING` days before it closes (when that is after it opens).

Only days from today on are planned; sent at `SEND_HOUR` in the family's time zone. The label is a
label id with parameters (the source, whether it is verified), rendered in the parent's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reminders.age import add_months
from reminders.store import PlannedReminder

RENEWAL_BEFORE = 14
RENEWAL_YEARS = 2
SCHOOL_BEFORE = 7
SCHOOL_CLOSING = 2
SEND_HOUR = 9
LABELS = {"renewal": "residence_permit_renewal", "school": "school_registration"}


def reminder_days(kind: str, start: date, end: date | None) -> list[tuple[date, date, int]]:
    """(the day to remind, the day it is about, days before it) for one key date."""
    if kind == "renewal":
        deadline = end or start
        days = []
        for year in range(RENEWAL_YEARS):
            day = add_months(deadline, 12 * year)
            days += [(day - timedelta(days=RENEWAL_BEFORE), day, RENEWAL_BEFORE), (day, day, 0)]
        return days
    if kind == "school":
        days = [(start - timedelta(days=SCHOOL_BEFORE), start, SCHOOL_BEFORE), (start, start, 0)]
        if end is not None and end - timedelta(days=SCHOOL_CLOSING) > start:
            days.append((end - timedelta(days=SCHOOL_CLOSING), end, SCHOOL_CLOSING))
        return days
    raise ValueError(f"no reminders for a key date of kind {kind!r}")


def plan_key_dates(
    dates: Iterable[Mapping[str, Any]],
    *,
    user_key: str,
    zone: str,
    today: date,
    child_ref: str | None = None,
) -> list[PlannedReminder]:
    """The reminders for the key dates that ask for one (`reminder` set), from today on."""
    channel = user_key.partition(":")[0]
    planned: list[PlannedReminder] = []
    for key_date in dates:
        kind = key_date.get("reminder")
        if kind not in LABELS:
            continue
        start = date.fromisoformat(str(key_date["start"]))
        end = date.fromisoformat(str(key_date["end"])) if key_date.get("end") else None
        for remind_on, about, before in reminder_days(kind, start, end):
            if remind_on < today:
                continue
            params = {
                "date": str(key_date.get("id", "")),
                "before": before,
                "source": str(key_date.get("source") or ""),
                "verified": bool(key_date.get("verified", False)),
                **({"stage": key_date["stage"]} if key_date.get("stage") else {}),
            }
            send_at = datetime.combine(remind_on, time(SEND_HOUR), ZoneInfo(zone))
            planned.append(
                PlannedReminder(
                    user_key, channel, kind, LABELS[kind], about, send_at, zone, child_ref, params
                )
            )
    return planned
