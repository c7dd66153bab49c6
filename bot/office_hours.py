"""The social workers' office hours per place (bot/data/office_hours.yaml), checked by `tongxing
check` and read once at start-up into dialogues.office_hours.OfficeHours, which the engine uses to
tell a parent when a worker will reply.

Office hours are deployment settings (each district's office decides them), not conversation
behaviour, so the file lives with the other settings-like data of bot/ (canned replies); the engine
gets the loaded, frozen result and only ever compares it with its clock."""

from __future__ import annotations

import re
from datetime import time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.lexicon import Lexicon
from core.yamlfile import DataFileError, Problem, read_schema
from dialogues.office_hours import Office, OfficeHours, Window

OFFICE_HOURS_FILE = Path(__file__).resolve().parent / "data" / "office_hours.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
Week = dict[str, tuple[str, ...]]


def _span(text: str) -> tuple[time, time]:
    found = SPAN.match(text)
    if found is None:
        raise ValueError(f"{text!r}: hours are written HH:MM-HH:MM")
    start_h, start_m, end_h, end_m = (int(part) for part in found.groups())
    start = time(start_h, start_m)
    end = time(23, 59, 59) if end_h == 24 else time(end_h, end_m)
    if not start < end:
        raise ValueError(f"{text!r}: the office must open before it closes")
    return start, end


def _check_week(week: Week) -> Week:
    unknown = set(week) - set(DAYS)
    if unknown:
        raise ValueError(f"unknown weekday(s) {sorted(unknown)}: use {', '.join(DAYS)}")
    for day, spans in week.items():
        parsed = sorted(_span(span) for span in spans)
        for (_, end), (start, _) in pairwise(parsed):
            if start < end:
                raise ValueError(f"{day}: the hours overlap")
    return week


def _check_zone(zone: str | None) -> str | None:
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {zone!r} (an IANA name such as Asia/Shanghai)") from error
    return zone


class _Default(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zone: str
    reply_minutes: int = Field(ge=1, le=24 * 60)
    week: Week

    _zone = field_validator("zone")(_check_zone)
    _week = field_validator("week")(_check_week)


class _Office(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    province: str | None = None
    city: str | None = None
    district: str | None = None
    zone: str | None = None
    reply_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    week: Week

    _zone = field_validator("zone")(_check_zone)
    _week = field_validator("week")(_check_week)

    @model_validator(mode="after")
    def _one_place(self) -> _Office:
        if sum(place is not None for place in (self.province, self.city, self.district)) != 1:
            raise ValueError("an office is for exactly one place: province, city or district")
        return self

    def place(self) -> tuple[str, str]:
        kind = "district" if self.district else "city" if self.city else "province"
        return kind, str(self.district or self.city or self.province)


class _OfficeHoursFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: _Default
    offices: tuple[_Office, ...] = ()


def _office(week: Week, zone: str, reply_minutes: int) -> Office:
    windows = tuple(Window(DAYS.index(day), *_span(span)) for day, spans in week.items() for span in spans)
    return Office(ZoneInfo(zone), windows, reply_minutes)


def check_office_hours(
    path: Path = OFFICE_HOURS_FILE, lexicon: Lexicon | None = None
) -> tuple[OfficeHours | None, list[Problem]]:
    """The office hours, or the problems (file:line): the schema, places known to the lexicon (when
    given), and no place twice."""
    source, data, problems = read_schema(path, _OfficeHoursFile)
    if data is None or source is None:
        return None, problems
    known = set(lexicon.place_by_id) if lexicon is not None else None
    seen: set[tuple[str, str]] = set()
    for position, entry in enumerate(data.offices):
        place = entry.place()
        line = source.line_of(("offices", position, place[0]))
        if known is not None and place not in known:
            problems.append(Problem(source.display, line, f"no {place[0]} '{place[1]}' in the lexicon"))
        if place in seen:
            problems.append(Problem(source.display, line, f"{place[0]} '{place[1]}' twice"))
        seen.add(place)
    if problems:
        return None, problems
    default = data.default
    hours = OfficeHours(
        default=_office(default.week, default.zone, default.reply_minutes),
        places={
            entry.place(): _office(
                entry.week, entry.zone or default.zone, entry.reply_minutes or default.reply_minutes
            )
            for entry in data.offices
        },
    )
    return hours, []


def load_office_hours(path: Path = OFFICE_HOURS_FILE, lexicon: Lexicon | None = None) -> OfficeHours:
    hours, problems = check_office_hours(path, lexicon)
    if hours is None:
        raise DataFileError(problems)
    return hours
