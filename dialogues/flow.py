"""Guided flows as data (dialogues/flows/*.yaml): schema, loading and validation.

A flow asks a few questions (steps), skipping those already known or not
relevant to earlier answers, and ends in a personal checklist: what applies to
this family and why, what to bring, where to go, what to watch for, the
sources, and the dates that matter in structured form (for reminders).
All user-facing text is Simplified Chinese and goes through the catalogs
(extracted by dialogues.flow_extract).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.yamlfile import Problem, YamlError, YamlFile, display_path, read_yaml
from dialogues import payload
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


class Choice(_Strict):
    value: str = Field(pattern=ID)
    label: str = Field(min_length=1, max_length=30)


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
    after_answer: `step`'s date answer plus months/days (e.g. the permit's yearly endorsement)."""

    id: str = Field(pattern=ID)
    label: str = Field(min_length=2, max_length=80)
    kind: Literal["yearly_window", "after_answer"]
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


def _semantic_problems(
    source: YamlFile, flow: Flow, intents: set[str], topics: set[str], documents: Mapping[str, str | None]
) -> list[Problem]:
    problems: list[Problem] = []

    def add(location: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source.display, source.line_of(location), message))

    if flow.intent is not None and flow.intent not in intents:
        add(("intent",), f"unknown intent '{flow.intent}'")
    for key, topic in [("topic", flow.topic), *(("also_topics", other) for other in flow.also_topics)]:
        if topic not in topics:
            add((key,), f"unknown topic '{topic}'")
    seen: dict[str, Step] = {}
    for position, step in enumerate(flow.steps):
        if step.id in seen:
            add(("steps", position, "id"), f"duplicate step id '{step.id}'")
        problems += _condition_problems(
            source,
            ("steps", position),
            _conditions(step.when, step.when_number),
            seen,
            f"step '{step.id}' depends on '{{step}}', which is not an earlier step",
        )
        seen[step.id] = step
    for position, entry in enumerate(flow.checklist):
        problems += _condition_problems(
            source,
            ("checklist", position),
            _conditions(entry.when, entry.when_number),
            seen,
            "checklist entry depends on unknown step '{step}'",
        )
        problems += _source_problems(source, ("checklist", position), entry, documents)
    for position, rule in enumerate(flow.dates):
        if rule.step and (rule.step not in seen or seen[rule.step].type != StepType.date):
            add(
                ("dates", position, "step"),
                f"date '{rule.id}' follows '{rule.step}', which is not a date step",
            )
        problems += _source_problems(source, ("dates", position), rule, documents)
    if not any(entry.source for entry in flow.checklist):
        add(("checklist",), "the checklist names no source")
    return problems


def _source_problems(
    source: YamlFile,
    where: tuple[str | int, ...],
    line: Entry | DateRule,
    documents: Mapping[str, str | None],
) -> list[Problem]:
    """Every source is registered, and no line shows one province's document to families of another.

    `documents` maps each registered document to its province (None: national). For every province of
    the register where the line is shown, the source it would cite there must be national or that
    province's own."""
    problems: list[Problem] = []
    provinces = sorted({province for province in documents.values() if province})
    own = line.province_sources if isinstance(line, Entry) else {}

    def add(location: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source.display, source.line_of((*where, *location)), message))

    cited: list[tuple[tuple[str | int, ...], SourceRef]] = [(("source",), line.source)] if line.source else []
    cited += [(("province_sources", province), ref) for province, ref in own.items()]
    for location, ref in cited:
        if ref.document not in documents:
            add(
                (*location, "document"),
                f"source document '{ref.document}' is not in knowledge/data/documents.yaml",
            )
    for location, province in [
        *((("provinces",), p) for p in line.provinces),
        *((("province_sources",), p) for p in own),
    ]:
        if province not in provinces:
            add(location, f"unknown province '{province}' (no document of the register belongs to it)")
    for province, ref in own.items():
        if line.provinces and province not in line.provinces:
            add(("province_sources", province), f"a source for {province}, where the line is never shown")
        owner = documents.get(ref.document)
        if owner is not None and owner != province:
            add(
                ("province_sources", province, "document"),
                f"the {province} source '{ref.document}' is a {owner} document",
            )
    for province in provinces:
        if line.provinces and province not in line.provinces:
            continue
        shown = line.source_for(province)
        owner = documents.get(shown.document) if shown else None
        if shown is not None and owner is not None and owner != province and province not in own:
            add(
                ("source", "document"),
                f"this line would show a {owner} source ('{shown.document}') to families in {province}: "
                f"add provinces: [{owner}], or a {province} source under province_sources",
            )
    return problems


def _condition_problems(
    source: YamlFile,
    where: tuple[str | int, ...],
    conditions: tuple[Condition | NumberCondition, ...],
    seen: dict[str, Step],
    unknown_message: str,
) -> list[Problem]:
    """Conditions must name an earlier step, and a value that step can have."""
    problems: list[Problem] = []
    for index, condition in enumerate(conditions):
        location = (*where, "when", index)
        if condition.step not in seen:
            message = unknown_message.format(step=condition.step)
            problems.append(Problem(source.display, source.line_of(location), message))
        elif isinstance(condition, Condition):
            problems += _value_problems(source, location, seen[condition.step], condition)
    return problems


def _conditions(
    when: tuple[Condition, ...], numbers: tuple[NumberCondition, ...]
) -> tuple[Condition | NumberCondition, ...]:
    return (*when, *numbers)


def _value_problems(
    source: YamlFile, location: tuple[str | int, ...], step: Step, condition: Condition
) -> list[Problem]:
    if step.type == StepType.yes_no:
        allowed = {"yes", "no"}
    elif step.type == StepType.choice:
        allowed = {choice.value for choice in step.choices}
    else:
        return []
    wrong = [value for value in condition.values if value not in allowed]
    if wrong:
        return [
            Problem(
                source.display,
                source.line_of(location),
                f"'{step.id}' has no answer {wrong}; answers are {sorted(allowed)}",
            )
        ]
    return []


def check_flows(
    directory: Path, intents: set[str], topics: set[str], documents: Mapping[str, str | None]
) -> tuple[FlowSet, list[Problem]]:
    """Load and check every flow; `documents` maps each registered source document to its province
    (None for national ones)."""
    flows: dict[str, Flow] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        display = display_path(path)
        try:
            source = read_yaml(path, display)
        except YamlError as error:
            problems += error.problems
            continue
        try:
            flow = Flow.model_validate(source.data)
        except ValidationError as error:
            for entry in error.errors():
                location = tuple(entry["loc"])
                label = ".".join(str(part) for part in location)
                message = str(entry["msg"]).removeprefix("Value error, ")
                problems.append(
                    Problem(display, source.line_of(location), f"'{label}': {message}" if label else message)
                )
            continue
        if flow.id != path.stem:
            problems.append(
                Problem(display, source.line_of(("id",)), f"flow id '{flow.id}' differs from its file name")
            )
        if flow.id in flows:
            problems.append(Problem(display, source.line_of(("id",)), f"duplicate flow id '{flow.id}'"))
        problems += _semantic_problems(source, flow, intents, topics, documents)
        problems += _start_problems(source, flow, flows)
        flows[flow.id] = flow
    return FlowSet(flows), problems


def _start_problems(source: YamlFile, flow: Flow, others: dict[str, Flow]) -> list[Problem]:
    """Each intent and command starts one flow; every button of the flow fits a platform's button."""
    problems: list[Problem] = []
    for other in others.values():
        if flow.intent and other.intent == flow.intent:
            message = f"intent '{flow.intent}' already starts flow '{other.id}'"
            problems.append(Problem(source.display, source.line_of(("intent",)), message))
        if flow.command and other.command == flow.command:
            message = f"command '{flow.command}' already starts flow '{other.id}'"
            problems.append(Problem(source.display, source.line_of(("command",)), message))
    for position, step in enumerate(flow.steps):
        values = [choice.value for choice in step.choices] or ["yes", "no"]
        for value in values:
            try:
                payload.render(payload.StepAnswer(flow.id, step.id, value))
            except payload.PayloadTooLongError as error:
                problems.append(
                    Problem(source.display, source.line_of(("steps", position, "id")), str(error))
                )
    return problems


def load_flows(
    directory: Path, intents: set[str], topics: set[str], documents: Mapping[str, str | None]
) -> FlowSet:
    flow_set, problems = check_flows(directory, intents, topics, documents)
    if problems:
        raise FlowError(problems)
    return flow_set
