"""The national immunisation schedule as data (reminders/data/immunization_schedule.yaml): its schema,
its validator (problems as file:line) and the frozen schedule the planner reads."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.yamlfile import DataFileError, Location, Problem, YamlFile, read_schema
from reminders.age import Duration

SCHEDULE_FILE = Path(__file__).resolve().parent / "data" / "immunization_schedule.yaml"
VERIFIED_MARKS = frozenset({"V", "V-seed"})  # the reference's marks that count as verified
_DOSE_KEY = r"^[a-z][a-z0-9_]*:[1-9][0-9]?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Source(_Strict):
    title: str = Field(min_length=1)
    detail: str = ""
    mark: Literal["V", "V-seed", "V-2nd", "U"]


class _Sourced(_Strict):
    source: str = Field(min_length=1)


class _Age(_Sourced):
    at: str

    @field_validator("at")
    @classmethod
    def _duration(cls, value: str) -> str:
        Duration.parse(value)
        return value


class _Interval(_Age):
    dose: str = Field(pattern=_DOSE_KEY)


class _Effective(_Sourced):
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None


class _Note(_Strict):
    from_: _Age = Field(alias="from")
    text: str = Field(min_length=1)


class _CatchUp(_Strict):
    until: _Age | None = None
    notes: tuple[_Note, ...] = ()


class _Dose(_Strict):
    vaccine: str
    dose: int = Field(ge=1, le=9)
    slot: str | None = Field(default=None, pattern=_DOSE_KEY)
    age: _Age
    complete_by: _Age
    effective: _Effective | None = None
    after: tuple[_Interval, ...] = ()
    catch_up: _CatchUp | None = None


class _Vaccine(_Strict):
    name: str = Field(min_length=1)
    live_injectable: bool = False


class _Alternative(_Sourced):
    default: str
    others: tuple[str, ...] = Field(min_length=1)


class _Rules(_Strict):
    live_injectable_gap: _Age
    catch_up_until: _Age
    no_restart: _Sourced
    edition_change: _Sourced


class _ScheduleFile(_Strict):
    sources: dict[str, _Source] = Field(min_length=1)
    vaccines: dict[str, _Vaccine] = Field(min_length=1)
    alternatives: dict[str, _Alternative] = {}
    rules: _Rules
    doses: tuple[_Dose, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Value:
    """A duration from the schedule with whether its source is verified."""

    at: Duration
    source: str
    verified: bool


@dataclass(frozen=True)
class Interval:
    dose: str  # "vaccine:dose" of an earlier dose (its slot)
    at_least: Value


@dataclass(frozen=True)
class CatchUpNote:
    start: Value  # shown when the dose is planned from this age on
    text: str  # Simplified Chinese, translated through the catalogs


@dataclass(frozen=True)
class DoseRule:
    """One entry of the file: a dose as one edition of the schedule gives it."""

    vaccine: str
    dose: int
    slot: str  # the dose of the series this entry fills ("dtap:5" for DT at 6 years)
    age: Value
    complete_by: Value
    effective_from: date | None
    effective_until: date | None
    effective_verified: bool
    after: tuple[Interval, ...]
    catch_up_until: Value | None
    notes: tuple[CatchUpNote, ...]

    @property
    def key(self) -> str:
        return f"{self.vaccine}:{self.dose}"

    @property
    def verified(self) -> bool:
        """Whether every value this entry's dates rest on comes from a verified source."""
        values = [self.age, self.complete_by, *(interval.at_least for interval in self.after)]
        if self.catch_up_until is not None:
            values.append(self.catch_up_until)
        return self.effective_verified and all(value.verified for value in values)


@dataclass(frozen=True)
class Schedule:
    names: dict[str, str]  # vaccine id -> Simplified name
    live_injectable: frozenset[str]
    alternatives: dict[str, tuple[str, tuple[str, ...]]]  # group -> (default, others)
    live_injectable_gap: Value
    catch_up_until: Value
    catch_up_verified: bool  # the catch-up principles' source
    transition_verified: bool  # the rule for a child part-way through an older edition of a series
    rules: tuple[DoseRule, ...]

    def max_dose(self, vaccine: str) -> int:
        return max((rule.dose for rule in self.rules if rule.vaccine == vaccine), default=0)

    def slot_of(self, key: str) -> str:
        """The slot a given dose fills ("dt:1" -> "dtap:5"); the key itself for most doses."""
        return next((rule.slot for rule in self.rules if rule.key == key), key)


class _Checker:
    def __init__(self, source: YamlFile, raw: _ScheduleFile) -> None:
        self.source = source
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, where: Location, message: str) -> None:
        self.problems.append(Problem(self.source.display, self.source.line_of(where), message))

    def value(self, where: Location, value: _Age) -> Value:
        mark = self.raw.sources.get(value.source)
        if mark is None:
            self.add((*where, "source"), f"unknown source '{value.source}'")
        return Value(Duration.parse(value.at), value.source, mark is not None and mark.mark in VERIFIED_MARKS)

    def verified(self, where: Location, value: _Sourced) -> bool:
        mark = self.raw.sources.get(value.source)
        if mark is None:
            self.add((*where, "source"), f"unknown source '{value.source}'")
        return mark is not None and mark.mark in VERIFIED_MARKS

    def vaccines(self, known: Collection[str] | None) -> None:
        if known is None:
            return
        for vaccine in self.raw.vaccines:
            if vaccine not in known:
                self.add(("vaccines", vaccine), f"'{vaccine}' is not a vaccine id of the taxonomy")
        for vaccine in known:
            if vaccine not in self.raw.vaccines:
                self.add(("vaccines",), f"the taxonomy's vaccine '{vaccine}' is not in the schedule")

    def alternatives(self) -> None:
        seen: set[str] = set()
        for group, entry in self.raw.alternatives.items():
            self.verified(("alternatives", group), entry)
            for vaccine in (entry.default, *entry.others):
                if vaccine not in self.raw.vaccines:
                    self.add(("alternatives", group), f"unknown vaccine '{vaccine}'")
                if vaccine in seen:
                    self.add(("alternatives", group), f"'{vaccine}' is in two groups of alternatives")
                seen.add(vaccine)

    def dose(self, position: int, entry: _Dose, earlier: dict[str, Duration]) -> DoseRule:
        where: Location = ("doses", position)
        if entry.vaccine not in self.raw.vaccines:
            self.add((*where, "vaccine"), f"unknown vaccine '{entry.vaccine}'")
        age = self.value((*where, "age"), entry.age)
        complete_by = self.value((*where, "complete_by"), entry.complete_by)
        if complete_by.at < age.at:
            self.add(
                (*where, "complete_by"), f"complete_by {entry.complete_by.at} is before age {entry.age.at}"
            )
        effective = entry.effective
        if effective is not None:
            if effective.from_ is None and effective.until is None:
                self.add((*where, "effective"), "'effective' needs 'from' or 'until'")
            if effective.from_ and effective.until and effective.until < effective.from_:
                self.add((*where, "effective"), "'until' is before 'from'")
        intervals = []
        for number, interval in enumerate(entry.after):
            if interval.dose not in earlier:
                self.add((*where, "after", number, "dose"), f"'{interval.dose}' is not a dose listed above")
            elif earlier[interval.dose] > age.at:
                self.add((*where, "after", number, "dose"), f"'{interval.dose}' comes at an older age")
            intervals.append(Interval(interval.dose, self.value((*where, "after", number), interval)))
        catch_up = entry.catch_up or _CatchUp()
        notes = tuple(
            CatchUpNote(self.value((*where, "catch_up", "notes", number, "from"), note.from_), note.text)
            for number, note in enumerate(catch_up.notes)
        )
        until = None
        if catch_up.until is not None:
            until = self.value((*where, "catch_up", "until"), catch_up.until)
        return DoseRule(
            vaccine=entry.vaccine,
            dose=entry.dose,
            slot=entry.slot or f"{entry.vaccine}:{entry.dose}",
            age=age,
            complete_by=complete_by,
            effective_from=effective.from_ if effective else None,
            effective_until=effective.until if effective else None,
            effective_verified=self.verified((*where, "effective"), effective) if effective else True,
            after=tuple(intervals),
            catch_up_until=until,
            notes=notes,
        )

    def doses(self) -> tuple[DoseRule, ...]:
        rules: list[DoseRule] = []
        earlier: dict[str, Duration] = {}  # slot -> its youngest age so far
        for position, entry in enumerate(self.raw.doses):
            rule = self.dose(position, entry, earlier)
            self.overlaps(position, rule, [other for other in rules if other.slot == rule.slot])
            rules.append(rule)
            earlier[rule.slot] = min(earlier.get(rule.slot, rule.age.at), rule.age.at)
        for vaccine in self.raw.vaccines:
            numbers = sorted({rule.dose for rule in rules if rule.vaccine == vaccine})
            if numbers != list(range(1, len(numbers) + 1)):
                self.add(("vaccines", vaccine), f"'{vaccine}' doses are not numbered 1..n: {numbers}")
        return tuple(rules)

    def overlaps(self, position: int, rule: DoseRule, same_slot: list[DoseRule]) -> None:
        """Entries of one slot are editions: their effective periods must not overlap."""
        start, end = rule.effective_from or date.min, rule.effective_until or date.max
        for other in same_slot:
            if start <= (other.effective_until or date.max) and (other.effective_from or date.min) <= end:
                self.add(
                    ("doses", position, "effective"),
                    f"'{rule.slot}' has two entries in force on the same days",
                )


def read_schedule(
    path: Path = SCHEDULE_FILE, vaccines: Collection[str] | None = None
) -> tuple[Schedule | None, list[Problem]]:
    """The schedule and every problem of its file; with `vaccines` (the taxonomy's ids), the vaccine ids
    are checked against them."""
    source, raw, problems = read_schema(path, _ScheduleFile)
    if source is None or raw is None:
        return None, problems
    checker = _Checker(source, raw)
    checker.vaccines(vaccines)
    checker.alternatives()
    rules = checker.doses()
    schedule = Schedule(
        names={vaccine: entry.name for vaccine, entry in raw.vaccines.items()},
        live_injectable=frozenset(
            vaccine for vaccine, entry in raw.vaccines.items() if entry.live_injectable
        ),
        alternatives={group: (entry.default, entry.others) for group, entry in raw.alternatives.items()},
        live_injectable_gap=checker.value(("rules", "live_injectable_gap"), raw.rules.live_injectable_gap),
        catch_up_until=checker.value(("rules", "catch_up_until"), raw.rules.catch_up_until),
        catch_up_verified=checker.verified(("rules", "no_restart"), raw.rules.no_restart),
        transition_verified=checker.verified(("rules", "edition_change"), raw.rules.edition_change),
        rules=rules,
    )
    return schedule, problems + checker.problems


def check_schedule(path: Path = SCHEDULE_FILE, vaccines: Collection[str] | None = None) -> list[Problem]:
    return read_schedule(path, vaccines)[1]


def load_schedule(path: Path = SCHEDULE_FILE) -> Schedule:
    """The schedule, or DataFileError listing every problem of its file."""
    schedule, problems = read_schedule(path)
    if problems or schedule is None:
        raise DataFileError(problems)
    return schedule
