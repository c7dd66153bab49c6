"""Validating the guided flows (dialogues/flows/*.yaml) beyond their schema: steps and conditions that
refer to each other, sources that fit each province, one flow per intent and command, buttons that
fit a platform; every problem as file:line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from core.yamlfile import Problem, YamlError, YamlFile, display_path, read_yaml
from dialogues import payload
from dialogues.answer_words import fold_word
from dialogues.flow import (
    Condition,
    DateRule,
    Entry,
    Flow,
    FlowError,
    FlowSet,
    NumberCondition,
    SourceRef,
    Step,
    StepType,
)


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
        for word, values in _shared_words(step).items():
            add(("steps", position, "id"), f"step '{step.id}': '{word}' names {' and '.join(values)}")
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
        if rule.kind == "registration_window":
            if rule.step not in seen or seen[rule.step].type != StepType.choice:
                add(("dates", position, "step"), f"date '{rule.id}' needs the choice step of the stage")
        elif rule.step and (rule.step not in seen or seen[rule.step].type != StepType.date):
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


def _shared_words(step: Step) -> dict[str, list[str]]:
    """Words of a step that name two of its answers (a reply with one would be read two ways)."""
    owners: dict[str, list[str]] = {}
    named = [(choice.value, choice.words.all()) for choice in step.choices]
    named += [("yes", step.yes_words.all()), ("no", step.no_words.all())]
    for value, words in named:
        for word in {fold_word(word) for word in words}:
            owners.setdefault(word, []).append(value)
    return {word: values for word, values in owners.items() if len(values) > 1}


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
