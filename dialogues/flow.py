"""Guided flows as data (dialogues/flows/*.yaml): the schema (loading and validation: flow_validator).

A flow asks a few questions (steps), skipping those already known or not
relevant to earlier answers, and ends in a personal checklist: what applies to
this family and why, what to bring, where to go, what to watch for, the
sources, and the dates that matter in structured form (for reminders).
All user-facing text is Simplified Chinese and goes through the catalogs
(extracted by core.yaml_extract, with the keys babel.cfg names).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.yamlfile import Problem
from knowledge.schema import Condition as Need

FLOWS_DIR = Path(__file__).resolve().parent / "flows"
ID = r"^[a-z][a-z0-9_]*$"


class StepType(StrEnum):
    choice = "choice"
    yes_no = "yes_no"
    date = "date"
    number = "number"
    age = "age"
    text = "text"
    place = "place"


class Slot(StrEnum):
    """Answers remembered beyond the flow (asked once, then skipped)."""

    residence = "family.residence"  # province/city/district where the family lives
    hukou = "family.hukou"  # province/city of household registration
    child_age = "child.age"
    child_birth_date = "child.birth_date"
    child_stage = "child.stage"
    child_newborn = "child.newborn"  # a choice: under_90_days | older (from the birth date or the age)
    child_disability = "child.disability"  # yes_no: "有残疾证", "脑瘫"
    family_low_income = "family.low_income"  # yes_no: "低保", "收入很低"
    permit_for = "permit.who"  # a choice: child | parent | both


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Condition(_Strict):
    """True when the answer to `step` is one of `values` (yes_no answers are "yes"/"no")."""

    step: str = Field(pattern=ID)
    values: tuple[str, ...] = Field(min_length=1)


class NumberCondition(_Strict):
    """True when a numeric answer (or age) lies in [min, max]."""

    step: str = Field(pattern=ID)
    min: float | None = None
    max: float | None = None


class Words(_Strict):
    """The parent's own words for one answer, in the three languages (not translated: matched). A
    word found in the reply names the answer, unless a negation stands next to it ("孩子不用");
    Traditional replies are also read as Simplified, so zh_Hant lists only the words of its own
    (唸書, 國小)."""

    zh_Hans: tuple[str, ...] = ()  # noqa: N815 - the locale ids of the catalogs
    zh_Hant: tuple[str, ...] = ()  # noqa: N815
    en: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (*self.zh_Hans, *self.zh_Hant, *self.en)


class Duration(_Strict):
    """A time span said in the reply ("住了一年多了", "才出生二十天", "5 months") that gives the
    answer: `value` when the span lies in [min_days, max_days]."""

    value: str = Field(pattern=ID)
    min_days: int | None = None
    max_days: int | None = None


class Choice(_Strict):
    value: str = Field(pattern=ID)
    label: str = Field(min_length=1, max_length=30)
    words: Words = Words()


class Step(_Strict):
    id: str = Field(pattern=ID)
    type: StepType
    ask: str = Field(min_length=2, max_length=300)
    help: str | None = Field(default=None, max_length=300)  # a few plain words on an official term
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    dates: Literal["past", "future", "any"] = "any"
    slot: Slot | None = None
    when: tuple[Condition, ...] = ()
    when_number: tuple[NumberCondition, ...] = ()
    invalid: str | None = None  # what to say when the answer does not fit
    # yes/no steps: the words that answer this question yes or no beyond a plain 是/否 ("孩子他爸有")
    yes_words: Words = Words()
    no_words: Words = Words()
    durations: tuple[Duration, ...] = ()  # a time span said gives the answer (choice or yes/no)
    # a "yes" to this step means the child is in these circumstances (the check-up's conditions)
    implies: tuple[Need, ...] = ()

    @model_validator(mode="after")
    def _choices_match_type(self) -> Step:
        if self.type == StepType.choice and len(self.choices) < 2:
            raise ValueError(f"step '{self.id}': a choice step needs at least two choices")
        if self.type != StepType.choice and self.choices:
            raise ValueError(f"step '{self.id}': only choice steps have choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"step '{self.id}': min is greater than max")
        if (self.yes_words.all() or self.no_words.all()) and self.type != StepType.yes_no:
            raise ValueError(f"step '{self.id}': only yes/no steps have yes_words and no_words")
        values = {choice.value for choice in self.choices} | (
            {"yes", "no"} if self.type == StepType.yes_no else set()
        )
        for duration in self.durations:
            if duration.value not in values:
                raise ValueError(f"step '{self.id}': a duration gives '{duration.value}', not an answer")
        if self.implies and self.type != StepType.yes_no:
            raise ValueError(f"step '{self.id}': only yes/no steps imply conditions")
        return self


class SourceRef(_Strict):
    document: str = Field(pattern=ID)  # an id of knowledge/data/documents.yaml
    item: str = Field(min_length=1)


class Section(StrEnum):
    applies = "applies"  # what applies to this family, and why
    bring = "bring"  # what to bring
    where = "where"  # where to go
    watch = "watch"  # what to watch for


class Entry(_Strict):
    """One checklist line. Its source for a family is `province_sources[their province]`, else
    `source`. A line is shown only where that source fits: a province's own document (its plan)
    is cited only to families living in that province (the validator checks every line for every
    province of the register; the runner skips a line that does not fit, e.g. for other provinces)."""

    section: Section
    text: str = Field(min_length=2, max_length=300)
    why: str | None = Field(default=None, max_length=200)
    provinces: tuple[str, ...] = ()  # shown only to families living in one of these provinces
    when: tuple[Condition, ...] = ()
    when_number: tuple[NumberCondition, ...] = ()
    source: SourceRef | None = None  # for every family (unless a province has its own below)
    province_sources: dict[str, SourceRef] = Field(default_factory=dict)  # province id -> its source

    def source_for(self, province: str | None) -> SourceRef | None:
        return self.province_sources.get(province or "", self.source)


class DateRule(_Strict):
    """A date that matters, computed from the answers or the calendar.

    yearly_window: every year from `start` to `end` (MM-DD), e.g. the medical-insurance enrolment;
    after_answer: `step`'s date answer plus months/days (e.g. the permit's yearly endorsement);
    registration_window: the family's city's school-registration windows from the knowledge base
    (knowledge/data/ city layer, `registration_windows`) for the stage answered at `step`; only where
    the city has them, never invented.
    first_step: what to do first when the deadline is near (said with how many days are left).
    reminder: the kind of reminder planned from it when the flow finishes (reminders/checklist_dates.py)."""

    id: str = Field(pattern=ID)
    label: str = Field(min_length=2, max_length=80)
    first_step: str | None = Field(default=None, min_length=2, max_length=120)
    kind: Literal["yearly_window", "after_answer", "registration_window"]
    reminder: Literal["renewal", "school"] | None = None
    start: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    end: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    step: str | None = Field(default=None, pattern=ID)
    months: int = 0
    days: int = 0
    when: tuple[Condition, ...] = ()
    provinces: tuple[str, ...] = ()  # only for families living in one of these provinces
    source: SourceRef | None = None  # a province's own document: only for families there

    def source_for(self, province: str | None) -> SourceRef | None:
        return self.source

    @model_validator(mode="after")
    def _fields_for_kind(self) -> DateRule:
        if self.kind == "yearly_window" and not (self.start and self.end):
            raise ValueError(f"date '{self.id}': a yearly window needs start and end (MM-DD)")
        if self.kind == "after_answer" and not self.step:
            raise ValueError(f"date '{self.id}': after_answer needs the step whose date it follows")
        if self.kind == "registration_window" and not self.step:
            raise ValueError(f"date '{self.id}': registration_window needs the step that answers the stage")
        return self


class Flow(_Strict):
    """A guided flow. What starts it is declared here: its intent, its command, its menu entry."""

    id: str = Field(pattern=ID)
    title: str = Field(min_length=2, max_length=30)  # the menu button and the flow's name
    description: str = Field(min_length=2, max_length=40)  # a few words, for the command list
    intent: str | None = Field(default=None, pattern=ID)  # the taxonomy intent that starts it
    command: str | None = Field(default=None, pattern=r"^/[a-z_]+$")  # a command that starts it
    menu: bool = True  # offered as a button in the menu
    order: int = 100  # the menu lists flows by this, then by id
    topic: str = Field(pattern=ID)  # the taxonomy topic it is about
    also_topics: tuple[str, ...] = ()  # other topics whose answers offer this flow ("一步步教我办")
    consent: Literal["child_profile"] | None = "child_profile"
    intro: str = Field(min_length=2, max_length=300)
    steps: tuple[Step, ...] = Field(min_length=1)
    checklist: tuple[Entry, ...] = Field(min_length=1)
    dates: tuple[DateRule, ...] = ()
    kind: Literal["checklist", "entitlement_checkup"] = "checklist"

    @model_validator(mode="after")
    def _started_somehow(self) -> Flow:
        if not (self.intent or self.command):
            raise ValueError("a flow needs an intent or a command that starts it")
        return self


@dataclass(frozen=True)
class FlowSet:
    flows: dict[str, Flow]

    def for_intent(self, intent: str | None) -> Flow | None:
        return next((flow for flow in self.flows.values() if intent and flow.intent == intent), None)

    def for_command(self, command: str) -> Flow | None:
        return next((flow for flow in self.flows.values() if flow.command == command), None)

    def for_topic(self, topic: str) -> Flow | None:
        """The flow that walks a parent through what an answer on `topic` is about."""
        return next(
            (
                flow
                for flow in self.in_menu_order()
                if flow.intent and topic in (flow.topic, *flow.also_topics)
            ),
            None,
        )

    def in_menu_order(self) -> list[Flow]:
        return sorted(self.flows.values(), key=lambda flow: (flow.order, flow.id))

    def menu(self) -> list[Flow]:
        return [flow for flow in self.in_menu_order() if flow.menu]


class FlowError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
