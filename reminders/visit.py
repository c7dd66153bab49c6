"""The care schedule of key children (重点关爱服务对象) as data (reminders/data/key_child_visits.yaml):
its schema, its validator (problems as file:line), and the dates it gives, as pure functions.

Fujian's plan (fujian_plan_2025, 一（二）) asks the children's director to contact a key child's family
at least every month and to visit the home every three months; 一（一） has every migrant child's
information updated each April and October. The next contact is due a month after the last one was
done (a home visit counts as a contact), the next home visit three months after the last; month ends
follow reminders/age.py (31 January + 1 month = 28 or 29 February). The information update is due on
the first day of the first update month after the month of the last update, and is overdue once that
month has ended."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.yamlfile import DataFileError, Problem, read_schema
from reminders.age import add_months
from reminders.label import FIXED

VISITS_FILE = Path(__file__).resolve().parent / "data" / "key_child_visits.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Visit(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    every_months: int = Field(ge=1, le=24)
    counts_as: tuple[str, ...] = ()
    source: str = Field(min_length=1)

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in FIXED:
            raise ValueError(f"'{value}' is not a reminder label (reminders/label.py)")
        return value


class _Update(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    months: tuple[int, ...] = Field(min_length=1)
    source: str = Field(min_length=1)

    @field_validator("months")
    @classmethod
    def _months(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= month <= 12 for month in value) or len(set(value)) != len(value):
            raise ValueError("months are distinct numbers from 1 to 12")
        return tuple(sorted(value))

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        return _Visit._known_label(value)


class _VisitsFile(_Strict):
    document: str = Field(min_length=1)
    visits: tuple[_Visit, ...] = Field(min_length=1)
    information_update: _Update


@dataclass(frozen=True)
class VisitRule:
    id: str  # contact | home_visit
    label: str  # the reminder label (reminders/label.py)
    every_months: int
    counts_as: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class UpdateRule:
    id: str  # info_update
    label: str
    months: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class CareSchedule:
    document: str
    visits: tuple[VisitRule, ...]
    update: UpdateRule

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind of visit a worker records: the visits, then the information update."""
        return (*(rule.id for rule in self.visits), self.update.id)

    def rule(self, kind: str) -> VisitRule | UpdateRule:
        for rule in self.visits:
            if rule.id == kind:
                return rule
        if kind == self.update.id:
            return self.update
        raise KeyError(kind)

    def done_kinds(self, kind: str) -> tuple[str, ...]:
        """What a visit of this kind counts as done (a home visit is a contact too)."""
        rule = self.rule(kind)
        return (kind, *(rule.counts_as if isinstance(rule, VisitRule) else ()))

    def next_due(self, kind: str, last: date) -> date:
        """When the next visit of `kind` is due, the last one done on `last`."""
        rule = self.rule(kind)
        if isinstance(rule, UpdateRule):
            return next_update(last, rule.months)
        return add_months(last, rule.every_months)

    def overdue(self, kind: str, due: date, today: date) -> bool:
        """A visit is overdue after its day; the information update after its month has ended."""
        if kind == self.update.id:
            return today > month_end(due)
        return today > due


def next_update(last: date, months: tuple[int, ...]) -> date:
    """The first day of the first update month after the month of `last` (April, October: an update
    in April is next due on 1 October; one in December, or on 1 April, on 1 April or 1 October)."""
    for year in (last.year, last.year + 1):
        for month in months:
            if (year, month) > (last.year, last.month):
                return date(year, month, 1)
    raise AssertionError("unreachable: a month of the next year is always later")


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def check_visits(path: Path = VISITS_FILE) -> tuple[CareSchedule | None, list[Problem]]:
    source, data, problems = read_schema(path, _VisitsFile)
    if data is None or source is None:
        return None, problems
    ids = [visit.id for visit in data.visits] + [data.information_update.id]
    for position, visit in enumerate(data.visits):
        if ids.count(visit.id) > 1:
            line = source.line_of(("visits", position, "id"))
            problems.append(Problem(source.display, line, f"'{visit.id}' twice"))
        for other in visit.counts_as:
            if other not in ids or other == visit.id:
                line = source.line_of(("visits", position, "counts_as"))
                problems.append(Problem(source.display, line, f"counts_as: '{other}' is no other visit"))
    if problems:
        return None, problems
    visits = tuple(
        VisitRule(visit.id, visit.label, visit.every_months, visit.counts_as, visit.source)
        for visit in data.visits
    )
    update = data.information_update
    rule = UpdateRule(update.id, update.label, update.months, update.source)
    return CareSchedule(data.document, visits, rule), []


def load_visits(path: Path = VISITS_FILE) -> CareSchedule:
    schedule, problems = check_visits(path)
    if schedule is None:
        raise DataFileError(problems)
    return schedule
