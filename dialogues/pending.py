"""Answers to what the assistant asked outside a flow (consent, /forget, a person, a language, the
city): one handler per kind, registered. A handler returns False when the message is about
something else, and the turn goes on as if nothing had been asked."""

from __future__ import annotations

import re
from collections.abc import Callable

from core.message import Button
from dialogues.answers import answer_question, answer_topic, remember_place
from dialogues.crisis_followup import on_followup
from dialogues.district import on_district
from dialogues.effect import DeleteUserData, RecordConsent
from dialogues.flow import Step, StepType
from dialogues.handoff import ask_handoff, open_handoff
from dialogues.language import language_from, set_language
from dialogues.payload import PendingReply, render
from dialogues.registry import Registry
from dialogues.slot import MAX_TEXT, Reading, find_places, read_yes_no
from dialogues.state import Pending, State
from dialogues.steps import begin
from dialogues.turn import Turn
from dialogues.yes_no_words import fold, yes_no_words
from nlu.result import Parse

PendingHandler = Callable[[Turn, Pending, str, Parse | None], bool]
PENDING: Registry[str, PendingHandler] = Registry("pending question")
MAX_REASKS = 2  # unclear replies re-asked in a row before a person is offered
# a reply this long that starts with no yes or no is a sentence of its own (words; Chinese characters)
_REQUEST_WORDS = 8
_REQUEST_CHARS = 14
_YES_NO = Step(id="confirm", type=StepType.yes_no, ask="是或不是")
PENDING.register("crisis_followup")(on_followup)  # is the child safe, where are you (after a crisis)
PENDING.register("district")(on_district)  # which district, before a ticket opens


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
    return turn.read(_YES_NO, text, parse, labels=False)


def _not_answered(turn: Turn, pending: Pending, parse: Parse | None) -> bool:
    """Not a yes or no: a new question is served (the question is asked again when it is needed);
    only a short unclear reply gets the question again, with its choices, and after two of those in
    a row a person is offered instead of a third."""
    if parse is not None and (
        len(parse.text.strip()) > 4
        or (parse.intent in turn.services.rules.side_intents and turn.confident(parse.confidence))
    ):
        turn.state.pending = None
        return False
    t = turn.t
    unclear = int(pending.data.get("unclear", 0)) + 1
    if unclear > MAX_REASKS:
        turn.state.pending = None
        if pending.kind == "handoff":
            turn.say(
                t.gettext("没关系。想找社工（真人）的时候，随时发 /human；也可以拨打当地政务服务热线 12345。")
            )
        else:
            turn.say(t.gettext("抱歉，我还是没看懂。"))
            ask_handoff(turn, "low_confidence")
        return True
    pending.data["unclear"] = unclear
    choices = tuple(Button(offer.label, offer.payload) for offer in turn.state.offered) or (
        Button(t.gettext("是"), render(PendingReply(pending.kind, "yes"))),
        Button(t.gettext("否"), render(PendingReply(pending.kind, "no"))),
    )
    numbered = "  ".join(f"{number}.{button.label}" for number, button in enumerate(choices, 1))
    turn.say(t.gettext("我没看懂。请回复下面的一个选项（或它的数字）：{choices}", choices=numbered), choices)
    return True


def asks_for_person(text: str) -> bool:
    """Whether the text asks a person for help ("能帮我问问吗") and does not start by declining."""
    words = yes_no_words()
    clean = fold(text)
    return any(word in clean for word in words.asks_for_person) and _yes_no_start(clean) != "no"


def starts_with_answer(pending: Pending | None, normalized: str) -> bool:
    """Whether a yes/no question is waiting (consent, a person, /forget) and the reply starts with a
    yes or a no ("不要，我不想给资料"): it answers that question before anything else it says."""
    return (
        pending is not None
        and pending.kind in {"consent", "handoff", "forget"}
        and _yes_no_start(fold(normalized)) is not None
    )


def is_new_request(normalized: str, parse: Parse | None) -> bool:
    """Whether a reply to a yes/no question is a new request of its own ("医保断了三个月没交 现在娃
    住院报不了 咋办", "the clinic says my baby cant get vaccine here what do i do"): a sentence that
    does not start with a yes or no, long enough to say something, and not an affirm or deny. Its
    negations ("报不了", "can't") say nothing about the question asked."""
    clean = fold(normalized)
    if _yes_no_start(clean) is not None:
        return False
    words = len(clean.split()) if clean.isascii() else len(re.sub(r"[\s\W]", "", clean))
    if words < (_REQUEST_WORDS if clean.isascii() else _REQUEST_CHARS):
        return False
    return parse is None or parse.intent not in {"affirm", "deny"}


def _yes_no_start(clean: str) -> str | None:
    """The yes or no a reply starts with ("不用了，谢谢" -> no), read from its first clause."""
    first = re.split(r"[\s,，.。!！?？~～…、;；]", clean, maxsplit=1)[0]
    if not first or len(first) > (12 if first.isascii() else 5):
        return None  # a sentence, not a reply ("学校说没有名额了，能帮我问问吗")
    reading = read_yes_no(first, None, 1.0)
    return str(reading.value) if reading.ok else None


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
    answer = _yes_no(turn, text, parse)
    if not answer.ok:
        asked_again = _not_answered(turn, pending, parse)
        if not asked_again:  # a new request: nothing is deleted, and the request is served
            turn.say(turn.t.gettext("好的，什么都没删。"))
        return asked_again
    state.pending = None
    if answer.value == "yes":
        turn.state = State(locale=state.locale, turns=state.turns, seen_messages=state.seen_messages)
        turn.effects.append(DeleteUserData())
        turn.say(turn.t.gettext("已经删除了你在这里的全部信息：聊天记录、孩子的信息、清单和提醒。"))
    else:
        turn.say(turn.t.gettext("好的，什么都没删。"))
    return True


@PENDING.register("handoff")
def _handoff(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    summary = ""
    normalized = turn.services.tokenizer.normalize(text)
    if asks_for_person(normalized):
        answer, summary = Reading("yes"), text.strip()[:MAX_TEXT]  # the reason goes with the ticket
    elif is_new_request(normalized, parse):
        turn.state.pending = None  # answered as the request it is; a person stays one /human away
        return False
    else:
        answer = _yes_no(turn, text, parse)
    if not answer.ok:
        return _not_answered(turn, pending, parse)
    if _record_consent(turn, "handoff", answer):
        open_handoff(turn, str(pending.data.get("reason", "requested")), summary)
    else:
        turn.say(turn.t.gettext("好的，不转。你也可以拨打当地政务服务热线 12345。"))
    return True


@PENDING.register("language")
def _language(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    chosen = language_from(text)
    if chosen is None:
        return _not_answered(turn, pending, parse)  # the choices again, twice at most, then a person
    turn.state.pending = None
    set_language(turn, chosen)
    return True


@PENDING.register("place")
def _place(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    places = find_places(turn.services.lexicon, turn.services.tokenizer.normalize(text))
    question = str(pending.data.get("question", ""))
    if places:
        turn.state.pending = None
        remember_place(turn, places[0].kind, places[0].id, "residence")
        answer_question(turn, question, None)
        return True
    declined = (parse is not None and parse.intent == "deny" and turn.confident(parse.confidence)) or (
        _yes_no(turn, text, parse).value == "no"
    )
    if not declined and not (
        parse is not None
        and parse.intent not in {"out_of_scope", "affirm"}
        and turn.confident(parse.confidence)
    ):
        if _not_answered(turn, pending, parse):  # "嗯", "?": the cities again, twice at most
            return True
        declined = True  # a longer message that names no place: answered without one, as before
    turn.state.pending = None
    if not declined:
        return False  # a new question instead of a place
    answer_question(turn, question, None, place_declined=True)
    return True
