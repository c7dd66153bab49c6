"""A pressed button: its payload is parsed into a typed value and handled by the handler registered
for its type. A payload that is garbage, forged, of another flow or an old step is stale: a kind
re-ask of what the assistant is waiting for, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dialogues.answers import answer_topic, how, say_part
from dialogues.commands import run_command
from dialogues.feedback import rate
from dialogues.handoff import ask_handoff
from dialogues.language import set_language
from dialogues.payload import (
    AnswerPart,
    AskHuman,
    ChangeAnswer,
    DoseReminder,
    Feedback,
    HowTo,
    Nav,
    PendingReply,
    ReminderKind,
    RunCommand,
    ShowTopic,
    StartFlow,
    StepAnswer,
    parse,
)
from dialogues.pending import on_pending
from dialogues.registry import Registry
from dialogues.reminder_answers import on_dose_button
from dialogues.reminder_list import on_kind_button
from dialogues.slot import Reading
from dialogues.steps import accept, active, ask_change, back, cancel, change, reprompt, stale, start_flow
from dialogues.text import LANGUAGES
from dialogues.turn import Turn

PayloadHandler = Callable[[Turn, Any], None]
PAYLOADS: Registry[type, PayloadHandler] = Registry("button payload")


def on_button(turn: Turn, raw: str) -> None:
    payload = parse(raw)
    handler = PAYLOADS.get(type(payload)) if payload is not None else None
    if handler is None:
        stale(turn)
        return
    handler(turn, payload)


@PAYLOADS.register(StepAnswer)
def _answer(turn: Turn, payload: StepAnswer) -> None:
    current = active(turn)
    if current is None or current[0].id != payload.flow or current[1].id != payload.step:
        stale(turn)
        return
    flow, step = current
    allowed = {choice.value for choice in step.choices} | ({"yes", "no"} if step.type == "yes_no" else set())
    if payload.value not in allowed:
        stale(turn)
        return
    accept(turn, flow, step, Reading(payload.value))


NAVIGATION: dict[str, Callable[[Turn], None]] = {
    "back": back,
    "cancel": cancel,
    "resume": reprompt,
    "change": ask_change,
}


@PAYLOADS.register(Nav)
def _nav(turn: Turn, payload: Nav) -> None:
    pending = turn.state.pending
    if pending is not None and pending.kind == "crisis_followup":
        turn.state.pending = None  # the parent went back to the flow: its step takes the next answer
    NAVIGATION[payload.action](turn)


@PAYLOADS.register(ChangeAnswer)
def _change(turn: Turn, payload: ChangeAnswer) -> None:
    change(turn, payload.step)


@PAYLOADS.register(StartFlow)
def _flow(turn: Turn, payload: StartFlow) -> None:
    flow = turn.services.flows.flows.get(payload.flow)
    if flow is None:
        stale(turn)
    else:
        start_flow(turn, flow)


@PAYLOADS.register(ShowTopic)
def _topic(turn: Turn, payload: ShowTopic) -> None:
    if payload.topic in turn.services.topic_titles:
        answer_topic(turn, payload.topic)
    else:
        stale(turn)


@PAYLOADS.register(HowTo)
def _how(turn: Turn, payload: HowTo) -> None:
    if payload.service in turn.services.kb.by_id:
        how(turn, payload.service)
    else:
        stale(turn)


@PAYLOADS.register(AnswerPart)
def _part(turn: Turn, payload: AnswerPart) -> None:
    if payload.service not in turn.services.kb.by_id:
        stale(turn)
        return
    say_part(turn, payload.service, payload.part)
    if active(turn) is not None and not turn.state.pending:  # pressed under a side answer in a flow
        turn.say(turn.t.gettext("我们接着刚才的步骤。"))
        reprompt(turn)


@PAYLOADS.register(PendingReply)
def _pending(turn: Turn, payload: PendingReply) -> None:
    pending = turn.state.pending
    if payload.kind == "language" and payload.value in dict(LANGUAGES):
        # a language button is never stale: /lang's, or a channel's own switch (the web chat's); a
        # question asked before it (consent, a place) stays open
        if pending is not None and pending.kind == "language":
            turn.state.pending = None
        set_language(turn, payload.value)
        return
    if pending is None or pending.kind != payload.kind or not on_pending(turn, payload.value, None):
        stale(turn)


@PAYLOADS.register(RunCommand)
def _command(turn: Turn, payload: RunCommand) -> None:
    run_command(turn, payload.name)


@PAYLOADS.register(AskHuman)
def _human(turn: Turn, payload: AskHuman) -> None:
    ask_handoff(turn)


PAYLOADS.register(DoseReminder)(on_dose_button)  # 已接种 / 晚点提醒 / 停止 under a reminder
PAYLOADS.register(ReminderKind)(on_kind_button)  # pause, resume, stop a kind (/reminders)


@PAYLOADS.register(Feedback)
def _feedback(turn: Turn, payload: Feedback) -> None:
    if payload.service in turn.services.kb.by_id:
        rate(turn, payload.rating, payload.service)
    else:
        stale(turn)
