"""Answers to what the assistant asked outside a flow (consent, /forget, a person, a language, the
city): one handler per kind, registered. A handler returns False when the message is about
something else, and the turn goes on as if nothing had been asked."""

from __future__ import annotations

from collections.abc import Callable

from core.message import Button
from dialogues.answers import answer_question, answer_topic, remember_place
from dialogues.effect import DeleteUserData, RecordConsent
from dialogues.flow import Step, StepType
from dialogues.handoff import open_handoff
from dialogues.language import language_from, set_language
from dialogues.payload import PendingReply, render
from dialogues.registry import Registry
from dialogues.slot import Reading, find_places, read_answer
from dialogues.state import Pending, State
from dialogues.steps import begin
from dialogues.turn import Turn
from nlu.result import Parse

PendingHandler = Callable[[Turn, Pending, str, Parse | None], bool]
PENDING: Registry[str, PendingHandler] = Registry("pending question")
_YES_NO = Step(id="confirm", type=StepType.yes_no, ask="是或不是")


def on_pending(turn: Turn, text: str, parse: Parse | None) -> bool:
    """Handle the answer to what the assistant asked; False if the text is about something else."""
    pending = turn.state.pending
    assert pending is not None
    handler = PENDING.get(pending.kind)
    if handler is None:
        turn.state.pending = None  # a question this version no longer asks
        return False
    return handler(turn, pending, text, parse)


def _yes_no(turn: Turn, text: str, parse: Parse | None) -> Reading:
    services = turn.services
    return read_answer(
        _YES_NO, text, parse, services.lexicon, services.tokenizer, turn.today, threshold=services.threshold
    )


def _not_answered(turn: Turn, pending: Pending, parse: Parse | None) -> bool:
    """Not a yes or no: a new question is served (the question is asked again when it is needed);
    only a short unclear reply gets the question again."""
    if parse is not None and (
        len(parse.text.strip()) > 4
        or (parse.intent in turn.services.rules.side_intents and turn.confident(parse.confidence))
    ):
        turn.state.pending = None
        return False
    t = turn.t
    turn.say(
        t.gettext("请回答“是”或“不是”，或者点下面的按钮。"),
        (
            Button(t.gettext("是"), render(PendingReply(pending.kind, "yes"))),
            Button(t.gettext("否"), render(PendingReply(pending.kind, "no"))),
        ),
    )
    return True


def _record_consent(turn: Turn, purpose: str, answer: Reading) -> bool:
    """The parent's yes or no to a purpose, remembered and recorded; the question is answered."""
    granted: bool = answer.value == "yes"
    turn.state.consent[purpose] = granted
    turn.effects.append(RecordConsent(purpose, granted))
    turn.state.pending = None
    return granted


@PENDING.register("consent")
def _consent(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    answer = _yes_no(turn, text, parse)
    if not answer.ok:
        return _not_answered(turn, pending, parse)
    t = turn.t
    granted = _record_consent(turn, "child_profile", answer)
    flow = turn.services.flows.flows.get(str(pending.data.get("flow")))
    if granted and flow is not None:
        turn.say(t.gettext("谢谢。我们开始吧。"))
        begin(turn, flow)
    else:
        turn.say(t.gettext("好的，我不保存孩子的任何信息。你仍然可以直接问我问题，我会按一般规定回答。"))
        if flow is not None:
            answer_topic(turn, flow.topic)
    return True


@PENDING.register("forget")
def _forget(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    state = turn.state
    state.pending = None
    answer = _yes_no(turn, text, parse)
    if answer.ok and answer.value == "yes":
        turn.state = State(locale=state.locale, turns=state.turns, seen_messages=state.seen_messages)
        turn.effects.append(DeleteUserData())
        turn.say(turn.t.gettext("已经删除了你在这里的全部信息：聊天记录、孩子的信息、清单和提醒。"))
    else:
        turn.say(turn.t.gettext("好的，什么都没删。"))
    return True


@PENDING.register("handoff")
def _handoff(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    answer = _yes_no(turn, text, parse)
    if not answer.ok:
        return _not_answered(turn, pending, parse)
    if _record_consent(turn, "handoff", answer):
        open_handoff(turn, str(pending.data.get("reason", "requested")))
    else:
        turn.say(turn.t.gettext("好的，不转。你也可以拨打当地政务服务热线 12345。"))
    return True


@PENDING.register("language")
def _language(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    turn.state.pending = None
    chosen = language_from(text)
    if chosen is None:
        return False
    set_language(turn, chosen)
    return True


@PENDING.register("place")
def _place(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    turn.state.pending = None
    places = find_places(turn.services.lexicon, turn.services.tokenizer.normalize(text))
    question = str(pending.data.get("question", ""))
    if places:
        remember_place(turn, places[0].kind, places[0].id, "residence")
        answer_question(turn, question, None)
        return True
    if (
        parse is not None
        and parse.intent not in {"deny", "out_of_scope"}
        and turn.confident(parse.confidence)
    ):
        return False  # a new question instead of a place
    answer_question(turn, question, None, place_declined=True)
    return True
