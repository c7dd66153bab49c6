"""The bench questions (bench/data/retrieval_questions.yaml) through the chat and `tongxing ask`:
every first answer is short, names its source and offers the next steps, and both paths agree on
the top service (issue 10, parts 2 and 3). The bench is a measurement set: nothing is tuned here."""

from __future__ import annotations

import re
from typing import Any

from bench.retrieval import load_questions
from bot.app import App
from core.i18n import Translator
from core.message import Inbound, Reply
from dialogues.effect import OpenHandoff
from dialogues.payload import AnswerPart, ShowTopic, StartFlow, parse
from dialogues.state import Place, State

LIMIT_HAN = 150  # "at most about 150 Chinese characters"
QUESTIONS = load_questions()
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _chat(app: App, question: dict[str, Any]) -> tuple[tuple[Reply, ...], State, bool]:
    """The question asked in the chat by a family whose place is the question's (or who declined
    to say where they live, when the question does not say): the replies, the new state, and
    whether the chat took it as a crisis (safety first: emergency contacts and a person)."""
    state = State(
        residence=Place(province=question.get("province"), city=question.get("city")), place_asked=True
    )
    # a channel that says zh_CN: the answers measured here are the Simplified ones, whatever the
    # question's script (without a platform locale an English first message is answered in English)
    inbound = Inbound(user_id="bench", channel="test", text=question["text"], locale="zh_CN")
    outcome = app.dialogue.handle(state, inbound)
    crisis = any(isinstance(effect, OpenHandoff) and effect.reason == "crisis" for effect in outcome.effects)
    return outcome.replies, outcome.state, crisis


def _answer_length(text: str) -> int:
    """Chinese characters of an answer, without the line explaining official terms the first time."""
    kept = [line for line in text.splitlines() if not line.startswith("（说明：")]
    return len(_HAN.findall("\n".join(kept)))


def test_every_first_answer_is_short_names_its_source_and_offers_next_steps(base_app: App) -> None:
    answered = 0
    for question in QUESTIONS:
        replies, state, _ = _chat(base_app, question)
        if state.last_service is None:
            continue  # not answered with a service (a guided flow, or the closest topics offered)
        answered += 1
        first = replies[0]
        where = question["text"]
        assert _answer_length(first.text) <= LIMIT_HAN, f"{where}: {_answer_length(first.text)}\n{first.text}"
        assert "来源：《" in first.text, where
        payloads = [parse(button.payload) for button in first.buttons]
        parts = {payload.part for payload in payloads if isinstance(payload, AnswerPart)}
        assert {"how", "where"} <= parts, f"{where}: {parts}"
        assert any(button.label == "找社工" for button in first.buttons), where
    assert answered >= 0.8 * len(QUESTIONS)  # the others start a guided flow or offer topics


def test_chat_and_ask_agree_on_the_top_service_for_every_bench_question(base_app: App) -> None:
    translator = Translator("zh_Hans")
    crises = 0
    for question in QUESTIONS:
        replies, state, crisis = _chat(base_app, question)
        if crisis:
            crises += 1  # safety first: the chat gives emergency contacts and a person, not an answer
            continue
        result = base_app.hotline.answer(
            question["text"],
            province=question.get("province"),
            city=question.get("city"),
            translator=translator,
        )
        assert result.answers, question["text"]
        top = result.answers[0]
        where = f"{question['text']}: ask -> {top.service_id}"
        if state.last_service is not None:
            assert state.last_service == top.service_id, f"{where}, chat -> {state.last_service}"
            continue
        payloads = [parse(button.payload) for reply in replies for button in reply.buttons]
        offered = [payload for payload in payloads if isinstance(payload, (ShowTopic, StartFlow))]
        if state.pending is not None and state.pending.kind == "consent":  # a flow asks consent first
            offered.insert(0, StartFlow(str(state.pending.data["flow"])))
        elif state.flow is not None:
            offered.insert(0, StartFlow(state.flow.flow_id))
        assert offered, f"{where}, chat offered nothing: {[reply.text for reply in replies]}"
        first = offered[0]
        if isinstance(first, StartFlow):
            flow = base_app.data.flows.flows[first.flow]  # the guided flow of what ask answers
            assert top.topic in (flow.topic, *flow.also_topics), f"{where}, chat -> flow {first.flow}"
        else:
            assert first.topic == top.topic, f"{where}, chat -> topic {first.topic}"
    assert crises <= 10  # 7 today: questions about reporting abuse meet the safety net first
