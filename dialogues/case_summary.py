"""The case summary a social worker reads in ten seconds when a ticket opens: the child's age and
school stage, where the family lives and where its hukou (户籍) is, the open flow with the steps
answered so far, the question the assistant could not answer, and what it already told the parent.

Built from the State alone (no I/O), when the ticket is opened, and carried in OpenHandoff; bot/
stores it on the ticket, encrypted, and the console renders it. Texts are kept in the source
language (the flow's questions, the service titles of the knowledge base): the console shows them
in the worker's language through the catalogs; the parent's own words are kept as they were."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from dialogues.flow import Flow, StepType
from dialogues.state import Child, Place, State
from knowledge.catalog import KnowledgeBase

MAX_WORDS = 300
MAX_TOLD = 3
YES_NO = {"yes": "是", "no": "否", True: "是", False: "否"}


@dataclass(frozen=True)
class StepAnswer:
    question: str  # the step's question as the flow asks it (source language)
    answer: str  # the parent's answer: a choice's label, 是/否, a number, a date, a place
    translatable: bool = False  # the answer is a label of the flow (a choice, 是/否), not the parent's words


@dataclass(frozen=True)
class ToldAnswer:
    title: str  # the service's title
    source: str  # 《document》item


@dataclass(frozen=True)
class CaseSummary:
    child_age: int | None = None  # whole years, on the day the ticket opened
    child_stage: str | None = None  # a knowledge Stage id (preschool, primary, ...)
    residence: str | None = None  # 省/市/区
    hukou: str | None = None
    flow_title: str | None = None
    flow_steps: tuple[StepAnswer, ...] = ()
    unanswered: str | None = None  # the last question the knowledge base had no answer to
    told: tuple[ToldAnswer, ...] = ()  # the last answers given, newest first
    words: str = ""  # the parent's own words with the request (or the crisis message)

    def empty(self) -> bool:
        return self == CaseSummary()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CaseSummary:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            child_age=raw.get("child_age"),
            child_stage=raw.get("child_stage"),
            residence=raw.get("residence"),
            hukou=raw.get("hukou"),
            flow_title=raw.get("flow_title"),
            flow_steps=tuple(StepAnswer(**step) for step in raw.get("flow_steps", ())),
            unanswered=raw.get("unanswered"),
            told=tuple(ToldAnswer(**told) for told in raw.get("told", ())),
            words=raw.get("words", ""),
        )


def _place(place: Place) -> str | None:
    parts = [part for part in (place.province, place.city, place.district) if part]
    return "/".join(parts) or None


def stage_for_age(stage_ages: dict[str, tuple[float, float]], age: float) -> str | None:
    """The school stage a child of `age` is usually at (the first of rules.yaml's stages whose ages
    hold it: senior high before vocational)."""
    return next((stage for stage, (low, high) in stage_ages.items() if low <= age < high), None)


def _child(
    state: State, today: date, stage_ages: dict[str, tuple[float, float]]
) -> tuple[int | None, str | None]:
    child: Child | None = state.active_child()
    if child is None:
        return None, None
    age = child.age_on(today)
    stage = child.stage or (stage_for_age(stage_ages, age) if age is not None else None)
    return (int(age) if age is not None else None), stage


def _answer_text(flow: Flow, step_id: str, value: Any) -> StepAnswer | None:
    step = next((step for step in flow.steps if step.id == step_id), None)
    if step is None or value is None:
        return None
    if step.type == StepType.choice:
        label = next((choice.label for choice in step.choices if choice.value == str(value)), None)
        if label is not None:
            return StepAnswer(step.ask, label, translatable=True)
    if step.type == StepType.yes_no and value in YES_NO:
        return StepAnswer(step.ask, YES_NO[value], translatable=True)
    if isinstance(value, dict):
        value = "/".join(str(part) for part in value.values() if part)
    elif isinstance(value, list | tuple):
        value = "、".join(str(part) for part in value)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return StepAnswer(step.ask, str(value)[:80])


def _flow(state: State, flows: dict[str, Flow]) -> tuple[str | None, tuple[StepAnswer, ...]]:
    active = state.flow
    flow = flows.get(active.flow_id) if active is not None else None
    if active is None or flow is None:
        return None, ()
    order = active.history + [step for step in active.answers if step not in active.history]
    answered = (_answer_text(flow, step_id, active.answers.get(step_id)) for step_id in dict.fromkeys(order))
    return flow.title, tuple(answer for answer in answered if answer is not None)


def _told(state: State, kb: KnowledgeBase) -> tuple[ToldAnswer, ...]:
    told: list[ToldAnswer] = []
    for service_id in reversed(state.answered):
        item = kb.by_id.get(service_id)
        if item is None:
            continue
        service = item.service
        document = kb.document_of(service.source)
        told.append(ToldAnswer(service.title, f"《{document.title}》{service.source.item}"))
    return tuple(told[:MAX_TOLD])


def summarise(
    state: State,
    today: date,
    *,
    flows: dict[str, Flow],
    kb: KnowledgeBase,
    stage_ages: dict[str, tuple[float, float]],
    words: str = "",
) -> CaseSummary:
    """What a worker needs first about this family, from the conversation's state."""
    age, stage = _child(state, today, stage_ages)
    flow_title, steps = _flow(state, flows)
    return CaseSummary(
        child_age=age,
        child_stage=stage,
        residence=_place(state.residence),
        hukou=_place(state.hukou),
        flow_title=flow_title,
        flow_steps=steps,
        unanswered=state.unanswered,
        told=_told(state, kb),
        words=words[:MAX_WORDS],
    )


def remember_answer(state: State, service_id: str) -> None:
    """An answer given: kept (the last few, newest last) for the summary of a later ticket."""
    kept = [answered for answered in state.answered if answered != service_id]
    state.answered = [*kept, service_id][-MAX_TOLD:]


def remember_unanswered(state: State, text: str) -> None:
    state.unanswered = text.strip()[:MAX_WORDS] or None
