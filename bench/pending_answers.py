"""Replies to the assistant's own questions, written blind (`pending_answers.yaml`): the consent
question before a flow, "要转人工吗" after /human, "确定删除吗" after /forget; each reply is a yes, a
no, or a new request that must be served as that request, never taken as a no.

A reply is read from what the engine did: a consent recorded (yes or no), a ticket opened, the data
deleted, the question asked again, or the question left and the message served as a question. A new
request at "要转人工吗" that itself asks a person for help ("…能帮我问问吗") is served when the ticket
opens with the parent's words on it: that is what the message asks for (counted apart).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.miniconvs import BLIND, TODAY, engine_for
from dialogues.collecting import Chat
from dialogues.effect import DeleteUserData, OpenHandoff, RecordConsent
from dialogues.engine import Engine, Outcome
from dialogues.payload import StartFlow, render
from dialogues.state import State

DATA = BLIND / "pending_answers.yaml"
FLOW = "residence_permit"  # the flow whose consent question is answered
TARGET = 1.0

__all__ = ["TODAY", "Reply", "Score", "load", "read", "report", "score"]


@dataclass(frozen=True)
class Reply:
    question: str  # consent | handoff | forget
    locale: str
    say: str
    expect: str  # yes | no | new_request


@dataclass
class Score:
    results: list[tuple[Reply, str]] = field(default_factory=list)  # (reply, what the engine did)

    @staticmethod
    def right(reply: Reply, got: str) -> bool:
        return got == reply.expect or (reply.expect in {"yes", "new_request"} and got == "person_with_words")

    @property
    def share(self) -> float:
        return sum(self.right(*item) for item in self.results) / len(self.results) if self.results else 0.0

    @property
    def failures(self) -> list[tuple[Reply, str]]:
        return [item for item in self.results if not self.right(*item)]


def load(path: Path = DATA) -> list[Reply]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Reply(
            str(item["question"]), str(item.get("locale", "zh_Hans")), str(item["say"]), str(item["expect"])
        )
        for item in items
    ]


def ask(engine: Engine, reply: Reply) -> Chat:
    """A conversation at the moment the question is asked."""
    chat = Chat(engine, State(locale=reply.locale), user=f"pending-{reply.question}")
    if reply.question == "consent":
        chat.payload(render(StartFlow(FLOW)))
    else:
        chat.say(f"/{'human' if reply.question == 'handoff' else 'forget'}")
    return chat


def read(chat: Chat, reply: Reply, outcome: Outcome) -> str:
    """What the engine made of the reply: yes | no | new_request | person_with_words | reasked."""
    effects = outcome.effects
    consents = [effect for effect in effects if isinstance(effect, RecordConsent)]
    pending = outcome.state.pending
    if pending is not None and pending.kind == reply.question and pending.data.get("unclear"):
        return "reasked"  # the question again, with its choices (a new request may ask a new consent)
    if reply.question == "consent":
        own = [effect.granted for effect in consents if effect.purpose == "child_profile"]
        return ("yes" if own[0] else "no") if own else "new_request"
    if reply.question == "handoff":
        own = [effect.granted for effect in consents if effect.purpose == "handoff"]
        if not own:
            return "new_request"
        tickets = [effect for effect in effects if isinstance(effect, OpenHandoff)]
        if own[0] and tickets and tickets[0].summary.strip() == reply.say.strip():
            return "person_with_words"
        return "yes" if own[0] else "no"
    if any(isinstance(effect, DeleteUserData) for effect in effects):
        return "yes"
    nothing_deleted = chat.engine.services.translator(reply.locale).gettext("好的，什么都没删。")
    texts = [item.text for item in outcome.replies]
    return "no" if texts == [nothing_deleted] else "new_request"


def score(engine: Engine, replies: Sequence[Reply]) -> Score:
    measured = engine_for(engine)
    result = Score()
    for reply in replies:
        chat = ask(measured, reply)
        result.results.append((reply, read(chat, reply, chat.say(reply.say))))
    return result


def report(result: Score, verbose: bool = False) -> str:
    got = Counter(answer for _, answer in result.results)
    lines = [
        f"replies to consent / handoff / forget ({len(result.results)}, blind): read right "
        f"{result.share:.1%} (target {TARGET:.0%}); new requests that asked for a person and got one "
        f"with their words on the ticket {got['person_with_words']}; re-asked {got['reasked']}"
    ]
    if verbose:
        for reply, answer in result.failures:
            lines.append(
                f"  {reply.question} [{reply.locale}] {reply.say!r}: expected {reply.expect}, got {answer}"
            )
    return "\n".join(lines)
