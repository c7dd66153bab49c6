"""One turn of a conversation: the read-only services the handlers use, the turn being built
(state, translator, replies, effects) and its outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from core.clock import Clock
from core.i18n import Translator
from core.lexicon import Lexicon
from core.message import Button, Reply
from core.tokenizer import Tokenizer
from dialogues.effect import Effect
from dialogues.feedback_rules import FeedbackRules
from dialogues.flow import FlowSet, Step
from dialogues.navigation import Navigation
from dialogues.office_hours import OfficeHours
from dialogues.rules import ConversationRules
from dialogues.safety import SafetyNet
from dialogues.slot import Reading, read_answer
from dialogues.state import State
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from nlu.result import Parse, Parser
from reminders.schedule import Schedule


@dataclass(frozen=True)
class Services:
    """What every part of a turn may read; built once by the engine, never changed."""

    parser: Parser
    index: Index
    kb: KnowledgeBase
    flows: FlowSet
    lexicon: Lexicon
    tokenizer: Tokenizer
    clock: Clock
    safety_net: SafetyNet
    bereavement: SafetyNet
    navigation: Navigation
    rules: ConversationRules
    translator: Callable[[str], Translator]
    retention_days: int
    threshold: float  # the confidence the model fitted: below it the assistant does not act on a guess
    topic_titles: dict[str, str]  # topic -> the service whose title names it on a button
    schedule: Schedule  # the immunisation schedule (vaccination reminders)
    office_hours: OfficeHours | None = None  # when workers reply (None: not configured)
    feedback: FeedbackRules | None = None  # when to ask "有帮助吗？" (dialogues/feedback.py)


@dataclass(frozen=True)
class TurnFacts:
    """What a turn was about, for the turn log bot/ writes (bot/storage/turn_log.py): never words."""

    intent: str | None = None  # the classifier's intent of the parent's message
    topic: str | None = None  # the topic answered, else the classifier's
    service: str | None = None  # the service answered (its brief or a part)
    finished_flow: str | None = None  # a guided flow finished to a checklist this turn
    question: bool = False  # a question in words answered, or found without an answer, or a topic pressed


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...]
    state: State
    duplicate: bool = False  # a redelivered message: already answered, nothing to do
    facts: TurnFacts = TurnFacts()


@dataclass
class Turn:
    services: Services
    state: State
    t: Translator
    today: date
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    facts: TurnFacts = TurnFacts()

    def noted_intent(self, intent: str | None, topic: str | None) -> None:
        self.facts = replace(self.facts, intent=intent, topic=self.facts.topic or topic)

    def noted_service(self, service_id: str) -> None:
        item = self.services.kb.by_id.get(service_id)
        topic = item.topic if item is not None else self.facts.topic
        self.facts = replace(self.facts, service=service_id, topic=topic)

    def noted_question(self, topic: str | None) -> None:
        self.facts = replace(self.facts, question=True, topic=topic or self.facts.topic)

    def noted_finished(self, flow_id: str) -> None:
        self.facts = replace(self.facts, finished_flow=flow_id)

    def say(self, text: str, buttons: tuple[Button, ...] = (), document: str | None = None) -> None:
        self.replies.append(Reply(text, buttons, document))

    def confident(self, confidence: float) -> bool:
        return confidence >= self.services.threshold

    def read(self, step: Step, text: str, parse: Parse | None, *, labels: bool = True) -> Reading:
        """The answer to `step` in the parent's words, read with this turn's services and day; with
        `labels`, a choice's label is also read in the parent's language."""
        services = self.services
        return read_answer(
            step,
            text,
            parse,
            services.lexicon,
            services.tokenizer,
            self.today,
            threshold=services.threshold,
            translate=self.t.gettext if labels else None,
        )

    def outcome(self) -> Outcome:
        return Outcome(tuple(self.replies), tuple(self.effects), self.state, facts=self.facts)
