"""A child's immunisation plan: a pure function of the birth date, the doses given and the day it is
computed for (as-of). Each dose of the schedule gets a due-from date, a complete-by date, a status and
whether the values behind it are verified; missed doses get a catch-up plan that keeps the minimum
intervals and never plans a missed dose before as-of.

Statuses: done (given); due (can be given now, still within its recommended age); overdue (past its
complete-by age: caught up from as-of, or later when an interval requires it); catch_up (not overdue
yet, but moved off its recommended date because an earlier dose was late); upcoming (on its
recommended date, in the future).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from reminders.age import Duration
from reminders.schedule import DoseRule, Schedule

Status = Literal["done", "due", "overdue", "upcoming", "catch_up"]
_GIVEN = re.compile(r"^([a-z][a-z0-9_]*):(\d+)(?:@(.+))?$")


class PlanError(ValueError):
    """Input the plan cannot be made from (one line, for the person who typed it)."""


@dataclass(frozen=True)
class PlannedDose:
    vaccine: str
    dose: int
    due: date  # done: the recommended date; others: the date it can be given from
    complete_by: date
    status: Status
    verified: bool
    given: date | None = None
    notes: tuple[str, ...] = ()  # conditions from the schedule (Simplified; translated when shown)


@dataclass(frozen=True)
class SkippedDose:
    """A missed dose that is no longer caught up at the child's age."""

    vaccine: str
    dose: int
    from_age: Duration  # the age from which it is not caught up
    verified: bool


@dataclass(frozen=True)
class Plan:
    birth: date
    as_of: date
    doses: tuple[PlannedDose, ...]
    not_planned: tuple[SkippedDose, ...] = ()
    tracks: dict[str, str] = field(default_factory=dict)  # alternative group -> the vaccine followed

    def with_status(self, *statuses: Status) -> tuple[PlannedDose, ...]:
        return tuple(dose for dose in self.doses if dose.status in statuses)


def parse_given(text: str) -> dict[str, date | None]:
    """'hepb:1,bcg:1@2024-03-02' -> {'hepb:1': None, 'bcg:1': date(2024, 3, 2)}."""
    given: dict[str, date | None] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = _GIVEN.match(item.lower())
        if match is None:
            raise PlanError(f"'{item}' is not a given dose like hepb:1 or hepb:1@2024-03-02")
        vaccine, dose, when = match.groups()
        try:
            given[f"{vaccine}:{int(dose)}"] = date.fromisoformat(when) if when else None
        except ValueError as error:
            raise PlanError(f"'{when}' in '{item}' is not a date (YYYY-MM-DD)") from error
    return given


class _Planner:
    def __init__(self, schedule: Schedule, birth: date, as_of: date, given: Mapping[str, date | None]):
        self.schedule = schedule
        self.birth = birth
        self.as_of = as_of
        self.given = dict(given)
        self.at: dict[str, date] = {}  # slot -> the date later intervals count from
        self.live: list[date] = []  # dates of injectable live doses, given or planned

    def validate(self) -> dict[str, str]:
        """Check the input; return the slot each given dose fills."""
        if self.birth > self.as_of:
            raise PlanError(f"the birth date {self.birth} is after {self.as_of}")
        filled: dict[str, str] = {}
        for key, when in self.given.items():
            vaccine, dose = key.split(":")
            if vaccine not in self.schedule.names:
                known = ", ".join(self.schedule.names)
                raise PlanError(f"unknown vaccine '{vaccine}' (known: {known})")
            highest = self.schedule.max_dose(vaccine)
            if not 1 <= int(dose) <= highest:
                raise PlanError(f"'{key}': {vaccine} has doses 1 to {highest}")
            if when is not None and not self.birth <= when <= self.as_of:
                raise PlanError(f"'{key}' was given on {when}, outside {self.birth} to {self.as_of}")
            slot = self.schedule.slot_of(key)
            if slot in filled:
                raise PlanError(f"'{key}' and '{filled[slot]}' are the same dose")
            filled[slot] = key
        return filled

    def tracks(self) -> dict[str, str]:
        """For each group of alternatives, the product the given doses name, else the default."""
        chosen: dict[str, str] = {}
        named = {key.split(":")[0] for key in self.given}
        for group, (default, others) in self.schedule.alternatives.items():
            found = [vaccine for vaccine in (default, *others) if vaccine in named]
            if len(found) > 1:
                raise PlanError(
                    f"doses of both {' and '.join(found)} given: ask the clinic which one continues"
                )
            chosen[group] = found[0] if found else default
        return chosen

    def slots(self, tracks: Mapping[str, str]) -> list[tuple[str, list[DoseRule]]]:
        """The slots of the followed tracks in file order, each with its editions."""
        left_out = {
            vaccine
            for group, (default, others) in self.schedule.alternatives.items()
            for vaccine in (default, *others)
            if vaccine != tracks[group]
        }
        slots: dict[str, list[DoseRule]] = {}
        for rule in self.schedule.rules:
            if rule.vaccine not in left_out:
                slots.setdefault(rule.slot, []).append(rule)
        return list(slots.items())

    def implied(self, filled: Mapping[str, str]) -> set[str]:
        """Earlier doses of a series a given dose follows are counted as given (no restart)."""
        implied: set[str] = set()
        for slot in filled:
            series, number = slot.split(":")
            implied |= {f"{series}:{earlier}" for earlier in range(1, int(number))}
        return implied - set(filled)

    def scheduled(self, rule: DoseRule) -> date:
        """The recommended date of this edition of the dose (not before the edition is in force)."""
        return max(rule.age.at.after(self.birth), rule.effective_from or date.min)

    def in_force(self, rule: DoseRule, day: date) -> bool:
        return (rule.effective_from or date.min) <= day <= (rule.effective_until or date.max)

    def done(self, rules: list[DoseRule], key: str | None) -> PlannedDose:
        """A given dose (key None: counted as given because a later dose of its series was)."""
        when = self.given.get(key) if key else None
        matching = [rule for rule in rules if key is None or rule.key == key] or rules
        if when is not None:
            rule = next((rule for rule in matching if self.in_force(rule, when)), matching[0])
        else:
            rule = min(matching, key=self.scheduled)
        if key is not None:
            self.at[rule.slot] = when or self.as_of  # no date: count intervals from as-of
            if rule.vaccine in self.schedule.live_injectable:
                self.live.append(self.at[rule.slot])
        return PlannedDose(
            rule.vaccine, rule.dose, self.scheduled(rule), rule.complete_by.at.after(self.birth), "done",
            rule.verified, given=when,
        )  # fmt: skip

    def earliest(self, rule: DoseRule) -> tuple[date, bool, bool]:
        """The date this edition can be given from: (date, overdue, moved by the live-vaccine gap)."""
        lower = self.scheduled(rule)
        for interval in rule.after:
            if interval.dose in self.at:
                lower = max(lower, interval.at_least.at.after(self.at[interval.dose]))
        overdue = self.as_of > rule.complete_by.at.after(self.birth)
        if overdue:
            lower = max(lower, self.as_of)
        moved = False
        if rule.vaccine in self.schedule.live_injectable:
            shifted = self.live_gap(lower)
            moved, lower = shifted != lower, shifted
        return lower, overdue, moved

    def live_gap(self, lower: date) -> date:
        """Two injectable live vaccines: the same day, or at least the gap apart."""
        gap = self.schedule.live_injectable_gap.at
        while True:
            actual = max(lower, self.as_of)
            clash = next(
                (other for other in self.live if other != actual and other < gap.after(actual)
                 and actual < gap.after(other)),
                None,
            )  # fmt: skip
            if clash is None:
                return lower
            lower = clash if clash > actual else gap.after(clash)  # join a later one, else wait

    def open(self, rules: list[DoseRule]) -> PlannedDose | SkippedDose | None:
        """A dose not given: the earliest edition in force on the day it can be given."""
        options = []
        for rule in rules:
            lower, overdue, moved = self.earliest(rule)
            if self.in_force(rule, max(lower, self.as_of)):
                options.append((lower, overdue, moved, rule))
        if not options:
            return None
        lower, overdue, moved, rule = min(options, key=lambda option: option[0])
        actual = max(lower, self.as_of)
        limits = [self.schedule.catch_up_until, *([rule.catch_up_until] if rule.catch_up_until else [])]
        for limit in limits:
            if actual >= limit.at.after(self.birth):
                return SkippedDose(rule.vaccine, rule.dose, limit.at, limit.verified)
        status: Status
        if overdue:
            status = "overdue"
        elif lower <= self.as_of:
            status = "due"
        else:
            status = "upcoming" if lower == self.scheduled(rule) else "catch_up"
        verified = rule.verified and self.edition_verified(rules)
        if status in ("overdue", "catch_up"):
            verified = verified and self.schedule.catch_up_verified
        if moved:
            verified = verified and self.schedule.live_injectable_gap.verified
        self.at[rule.slot] = actual
        if rule.vaccine in self.schedule.live_injectable:
            self.live.append(actual)
        notes = tuple(note.text for note in rule.notes if actual >= note.start.at.after(self.birth))
        return PlannedDose(
            rule.vaccine, rule.dose, lower, rule.complete_by.at.after(self.birth), status, verified,
            notes=notes,
        )  # fmt: skip

    def edition_verified(self, rules: list[DoseRule]) -> bool:
        """A dose with several editions, for a child born before the last one came into force, rests on
        the project's transition rule."""
        if len(rules) < 2:
            return True
        start = max(rule.effective_from or date.min for rule in rules)
        return self.birth >= start or self.schedule.transition_verified


def plan_immunizations(
    schedule: Schedule, birth: date, as_of: date, given: Mapping[str, date | None] | None = None
) -> Plan:
    """The plan for a child born on `birth`, as of `as_of`, with `given` doses ("vaccine:dose" ->
    the date given, or None when the booklet shows no date). PlanError for input it cannot use."""
    planner = _Planner(schedule, birth, as_of, given or {})
    filled = planner.validate()
    tracks = planner.tracks()
    implied = planner.implied(filled)
    doses: list[PlannedDose] = []
    skipped: list[SkippedDose] = []
    slots = planner.slots(tracks)
    for slot, rules in slots:  # every given dose first: a live vaccine given later in the file counts too
        if slot in filled or slot in implied:
            doses.append(planner.done(rules, filled.get(slot)))
    for slot, rules in slots:
        if slot in filled or slot in implied:
            continue
        result = planner.open(rules)
        if isinstance(result, PlannedDose):
            doses.append(result)
        elif isinstance(result, SkippedDose):
            skipped.append(result)
    order = {slot: position for position, (slot, _) in enumerate(slots)}
    doses.sort(key=lambda dose: (dose.due, order[schedule.slot_of(f"{dose.vaccine}:{dose.dose}")]))
    return Plan(birth, as_of, tuple(doses), tuple(skipped), tracks)
