"""The conversation engine: (state, event) -> (replies, effects, new state). No I/O.

It keeps only the order of a turn. A parent's message goes: a redelivered message id is answered
once; crisis first (even while a worker owns the conversation); while a worker owns it, silence;
then commands and buttons; a reported loss; what the assistant is waiting for (consent, a place, a
confirmation); the active flow's step; the intent. Each part lives in its own module and is found
through a registry (commands, payloads, pending questions, intents, events). Like RapidPro's flow
engine, it only decides: bot/ persists the state and carries the effects out, so the same
conversation runs in every channel and in YAML transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.clock import Clock
from core.event import Event
from core.i18n import Translator, normalize_locale
from core.lexicon import Lexicon
from core.message import Inbound
from core.tokenizer import Tokenizer
from dialogues.answers import places_from
from dialogues.buttons import on_button
from dialogues.commands import run_command
from dialogues.crisis import assess, bereavement, crisis
from dialogues.events import EVENTS
from dialogues.feedback import said_feedback
from dialogues.feedback_rules import FeedbackRules, load_feedback
from dialogues.flow import FlowSet
from dialogues.flow_input import in_flow
from dialogues.followup import follow_up
from dialogues.heard import forget_unconsented, hear
from dialogues.intents import handle_intent
from dialogues.navigation import Navigation
from dialogues.offered import pressed, remember
from dialogues.office_hours import OfficeHours
from dialogues.owned import owned_button, owned_text
from dialogues.pending import on_pending, starts_with_answer
from dialogues.reminder_list import manage as manage_reminders
from dialogues.rules import ConversationRules
from dialogues.safety import SafetyNet
from dialogues.script import locale_of_first_message
from dialogues.state import State
from dialogues.steps import active, back, cancel, reprompt, show_checklists
from dialogues.turn import Outcome, Services, Turn
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from nlu.result import Parser
from reminders.schedule import Schedule, load_schedule

__all__ = ["Engine", "Outcome"]

MAX_PARSED = 2000  # the classifier reads the start of a long message (the crisis scan reads more)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def topic_titles(kb: KnowledgeBase) -> dict[str, str]:
    """topic -> the service id whose title names the topic on a button (national items first)."""
    titles: dict[str, str] = {}
    for item in kb.items:
        if item.layer == "national":
            titles[item.topic] = item.id
        else:
            titles.setdefault(item.topic, item.id)
    return titles


def forget_yesterdays_screen(turn: Turn) -> None:
    """What of the last answer was shown is "上面" only on the day it was shown: a parent who asks
    again on a later day gets it again, not "上面说的就是…" about a screen long gone."""
    state = turn.state
    if state.last_shown and state.shown_on != turn.today:
        state.last_shown = []


class Engine:
    """Decides what to say and do for one event; holds only read-only services."""

    def __init__(
        self,
        *,
        parser: Parser,
        index: Index,
        kb: KnowledgeBase,
        flows: FlowSet,
        lexicon: Lexicon,
        tokenizer: Tokenizer,
        clock: Clock,
        safety_net: SafetyNet,
        bereavement: SafetyNet,
        navigation: Navigation,
        rules: ConversationRules,
        translator: Callable[[str], Translator],
        threshold: float,
        retention_days: int = 180,
        schedule: Schedule | None = None,
        office_hours: OfficeHours | None = None,
        feedback: FeedbackRules | None = None,
    ) -> None:
        self.services = Services(
            parser=parser,
            index=index,
            kb=kb,
            flows=flows,
            lexicon=lexicon,
            tokenizer=tokenizer,
            clock=clock,
            safety_net=safety_net,
            bereavement=bereavement,
            navigation=navigation,
            rules=rules,
            translator=translator,
            retention_days=retention_days,
            threshold=threshold,
            topic_titles=topic_titles(kb),
            schedule=schedule or load_schedule(),
            office_hours=office_hours,
            feedback=feedback if feedback is not None else load_feedback(),
        )

    def handle(self, state: State, event: Event) -> Outcome:
        """The one entry point: any event of a conversation."""
        services = self.services
        message_id = event.message_id if isinstance(event, Inbound) else None
        if message_id is not None and message_id in state.seen_messages:
            return Outcome((), (), state, duplicate=True)
        # a copy the turn may change (pydantic's own dump and validation: a third of deepcopy's cost)
        new_state = State.model_validate(state.model_dump())
        if isinstance(event, Inbound) and new_state.turns == 0:
            # the first message sets the language: the platform's locale, else the message's script
            if event.locale:
                new_state.locale = normalize_locale(event.locale)
            elif event.text and not event.payload:
                new_state.locale = locale_of_first_message(event.text) or new_state.locale
        turn = Turn(services, new_state, services.translator(new_state.locale), services.clock.today())
        forget_yesterdays_screen(turn)
        if isinstance(event, Inbound):
            new_state.turns += 1
            self._message(turn, event)
        else:
            handler = EVENTS.get(type(event))
            assert handler is not None, f"no handler for {type(event).__name__}"
            handler(turn, event)
        remember(turn)
        if turn.state.last_shown:
            turn.state.shown_on = turn.today
        forget_unconsented(turn.state)
        if message_id is not None:
            keep = services.rules.remembered_message_ids
            turn.state.seen_messages = [*turn.state.seen_messages, message_id][-keep:]
        return turn.outcome()

    def _message(self, turn: Turn, inbound: Inbound) -> None:
        text = _CONTROL.sub(" ", inbound.text or "").strip()[: self.services.rules.max_input_chars]
        rated, turn.state.feedback_for = turn.state.feedback_for, None  # words rate only right after
        if text and not inbound.payload:
            self._text(turn, text, rated)
            if turn.facts.service is not None:  # a question in words, answered (a brief or a part)
                turn.noted_question(
                    turn.facts.topic
                )  # crisis first, even while a worker owns the conversation
        elif turn.state.worker is not None:  # buttons and empty messages: silent while a worker owns it
            if inbound.payload:
                owned_button(turn, inbound.payload)  # but for /forget's (dialogues/owned.py)
        else:
            if inbound.payload:
                on_button(turn, inbound.payload)
            else:
                self._empty(turn)

    def _empty(self, turn: Turn) -> None:
        turn.say(turn.t.gettext("我现在只能看懂文字。请用一句话告诉我你想问什么，比如“孩子上学要什么材料”。"))
        reprompt(turn)

    def _text(self, turn: Turn, text: str, rated: str | None = None) -> None:
        services = self.services
        state = turn.state
        normalized = services.tokenizer.normalize(text)
        parse = services.parser.parse(text[:MAX_PARSED], turn.today)
        turn.noted_intent(parse.intent, parse.topic if turn.confident(parse.confidence) else None)
        danger = assess(turn, text, normalized, parse)
        if danger is not None and danger != "bereavement":
            crisis(turn, text, danger)
            return
        if state.worker is not None:
            # a worker owns the conversation: the message reaches them, the assistant is silent,
            # except for /forget (deleting their data is the parent's right: dialogues/owned.py)
            owned_text(turn, text, parse)
            return
        payload = pressed(turn, text)  # a number or a button's label typed out, on a channel without buttons
        if payload is not None:
            on_button(turn, payload)
            return
        if text.startswith("/"):
            run_command(turn, text.split()[0][1:].lower())
            return
        if rated is not None and said_feedback(turn, text, rated):  # "有用" right after "有帮助吗？"
            return
        if danger == "bereavement":
            bereavement(turn)
            return
        # what the message says fills every step it answers, now and in later flows (dialogues/heard.py)
        places_from(turn, parse, text)
        current = active(turn)
        hear(turn, text, parse, current[1] if current else None)
        navigation = services.navigation
        if navigation.says("checklist", text, normalized):
            show_checklists(turn)
            return
        pending = state.pending
        if state.flow is None and (pending is None or pending.kind not in {"forget", "place"}):
            # "取消" / "返回" with no flow running: say so, rather than reading the word as a question
            # (a /forget confirmation and the city question read these words themselves)
            if navigation.says("cancel", text):
                cancel(turn)
                return
            if navigation.says("back", text):
                back(turn)
                return
        if (pending is None or pending.kind == "reminder") and state.flow is None:
            if pending is not None and on_pending(turn, text, parse):  # "打了", "别提醒了" after a reminder
                return
            if manage_reminders(turn, text, normalized):  # "有哪些提醒", "疫苗提醒先停一下"
                return
        if (
            state.flow is None
            and not starts_with_answer(state.pending, normalized)
            and follow_up(turn, text, normalized, parse)
        ):
            return  # "要带什么", "那要钱吗", "那高中呢" after an answer (or a flow offered): read against it
        if turn.state.pending is not None and on_pending(turn, text, parse):
            return
        if turn.state.flow is not None:
            in_flow(turn, text, normalized, parse)
            return
        handle_intent(turn, text, parse)
