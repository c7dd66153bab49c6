"""What to do with a message's intent outside a flow step: one handler per intent, registered.

A flow whose YAML names the intent starts; the others are answered here. Below the model's
confidence the assistant does not act on the intent but offers the closest topics and a person."""

from __future__ import annotations

from collections.abc import Callable

from dialogues import text as texts
from dialogues.answers import answer_question, unsure
from dialogues.handoff import ask_handoff
from dialogues.language import ask_language, language_from, set_language
from dialogues.menu import greet, menu
from dialogues.privacy import privacy
from dialogues.registry import Registry
from dialogues.reminder_list import manage
from dialogues.reminder_list import show as show_reminders
from dialogues.steps import start_flow
from dialogues.turn import Turn
from dialogues.vaccine_talk import start as start_vaccine_reminders
from nlu.result import Parse

IntentHandler = Callable[[Turn, str, Parse], None]
INTENTS: Registry[str, IntentHandler] = Registry("intent")


def handle_intent(turn: Turn, text: str, parse: Parse) -> None:
    confident = turn.confident(parse.confidence)
    intent = parse.intent if confident or parse.intent == "ask_entitlement" else None
    flow = turn.services.flows.for_intent(intent)
    if flow is not None:
        start_flow(turn, flow)
        return
    handler = INTENTS.get(intent) if intent else None
    if handler is not None:
        handler(turn, text, parse)
    elif intent is None and parse.topic:
        answer_question(turn, text, parse)
    else:
        unsure(turn, text, parse)


@INTENTS.register("ask_entitlement")
def _question(turn: Turn, text: str, parse: Parse) -> None:
    answer_question(turn, text, parse)


@INTENTS.register("vaccination_schedule")
def _vaccination(turn: Turn, text: str, parse: Parse) -> None:
    answer_question(turn, text, parse)  # its topic: intent_topics in dialogues/data/rules.yaml


@INTENTS.register("set_reminder")
def _set_reminder(turn: Turn, text: str, parse: Parse) -> None:
    """Vaccination reminders are set up in the conversation; the other kinds come from the flows'
    dates (the residence permit, school) and are listed by /reminders."""
    if not manage(turn, text, turn.services.tokenizer.normalize(text)):
        start_vaccine_reminders(turn)


@INTENTS.register("manage_reminders")
def _manage_reminders(turn: Turn, text: str, parse: Parse) -> None:
    if not manage(turn, text, turn.services.tokenizer.normalize(text)):
        show_reminders(turn)


@INTENTS.register("request_human")
def _human(turn: Turn, text: str, parse: Parse) -> None:
    ask_handoff(turn)


@INTENTS.register("privacy")
def _privacy(turn: Turn, text: str, parse: Parse) -> None:
    privacy(turn)


@INTENTS.register("change_language")
def _language(turn: Turn, text: str, parse: Parse) -> None:
    locale = language_from(text)
    if locale is not None:
        set_language(turn, locale)
    else:
        ask_language(turn)


@INTENTS.register("greet")
def _greet(turn: Turn, text: str, parse: Parse) -> None:
    greet(turn)


@INTENTS.register("thanks")
def _thanks(turn: Turn, text: str, parse: Parse) -> None:
    turn.say(turn.t.gettext("不客气！还有问题随时问我。"))


@INTENTS.register("goodbye")
def _goodbye(turn: Turn, text: str, parse: Parse) -> None:
    turn.say(turn.t.gettext("好的，照顾好自己和孩子。有需要随时来找我。"))


@INTENTS.register("affirm", "deny")
def _yes_or_no(turn: Turn, text: str, parse: Parse) -> None:
    turn.say(turn.t.gettext("好的。还有什么想问的？"), menu(turn))


@INTENTS.register("out_of_scope")
def _out_of_scope(turn: Turn, text: str, parse: Parse) -> None:
    """Short and kind: what this assistant is for, and where government matters in general go (the
    12345 hotline). No service item is offered: none fits a message that is not about the child."""
    turn.say(texts.out_of_scope(turn.t), menu(turn))
