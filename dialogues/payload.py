"""Button payloads as typed values, parsed and rendered here and nowhere else.

A payload travels through a platform and comes back when the button is pressed, possibly long
after (an old message, after a restart) or forged. `parse` never raises: anything it cannot read
is None, and the engine answers a kind re-ask. Rendered payloads fit Telegram's 64-byte
`callback_data`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge.answer import PARTS as ANSWER_PARTS

MAX_BYTES = 64  # Telegram's limit for callback_data
PENDING_KINDS = (
    "consent",
    "forget",
    "handoff",
    "district",
    "language",
    "place",
    "reminders_consent",
    "vaccine_birth",
    "vaccine_doses",
)
NAV_ACTIONS = ("back", "cancel", "resume", "change")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
NavAction = Literal["back", "cancel", "resume", "change"]
FeedbackRating = Literal["helpful", "not_helpful", "human"]
FEEDBACK_RATINGS: tuple[FeedbackRating, ...] = ("helpful", "not_helpful", "human")


class PayloadTooLongError(ValueError):
    """A payload would not fit in a platform's button: a flow or id is too long."""


@dataclass(frozen=True)
class StepAnswer:
    """A choice (or yes/no) pressed for a flow step."""

    flow: str
    step: str
    value: str


@dataclass(frozen=True)
class Nav:
    """Navigation inside a flow: back, cancel, resume, change an answer."""

    action: NavAction


@dataclass(frozen=True)
class ChangeAnswer:
    step: str


@dataclass(frozen=True)
class StartFlow:
    flow: str


@dataclass(frozen=True)
class ShowTopic:
    topic: str


@dataclass(frozen=True)
class HowTo:
    service: str


@dataclass(frozen=True)
class AnswerPart:
    """One part of a service's answer: how to apply, what to bring, where to go, what to ask."""

    part: str
    service: str


@dataclass(frozen=True)
class PendingReply:
    """The answer to something the assistant asked outside a flow (consent, a place, a language...)."""

    kind: str
    value: str


@dataclass(frozen=True)
class RunCommand:
    name: str


@dataclass(frozen=True)
class AskHuman:
    pass


ReminderAction = Literal["done", "later", "stop"]
KindAction = Literal["pause", "resume", "stop"]
REMINDER_ACTIONS = ("done", "later", "stop")
KIND_ACTIONS = ("pause", "resume", "stop")
_DOSE = re.compile(r"^([a-z][a-z0-9_]*):([1-9][0-9]?)$")


@dataclass(frozen=True)
class DoseReminder:
    """An answer pressed under a vaccination reminder: 已接种 / 晚点提醒 / 停止, for one child's dose."""

    action: ReminderAction
    child: str
    vaccine: str
    dose: int


@dataclass(frozen=True)
class ReminderKind:
    """Pause, resume or stop one kind of reminder (vaccine, renewal, school, visit), from /reminders."""

    action: KindAction
    kind: str


@dataclass(frozen=True)
class Feedback:
    """An answer to "有帮助吗？" under an answer on `service` (dialogues/feedback.py)."""

    rating: FeedbackRating
    service: str


Payload = (
    StepAnswer
    | Nav
    | ChangeAnswer
    | StartFlow
    | ShowTopic
    | HowTo
    | AnswerPart
    | PendingReply
    | RunCommand
    | AskHuman
    | DoseReminder
    | ReminderKind
    | Feedback
)


def render(payload: Payload) -> str:
    match payload:
        case StepAnswer(flow, step, value):
            raw = f"answer:{flow}:{step}:{value}"
        case Nav(action):
            raw = f"nav:{action}"
        case ChangeAnswer(step):
            raw = f"change:{step}"
        case StartFlow(flow):
            raw = f"flow:{flow}"
        case ShowTopic(topic):
            raw = f"topic:{topic}"
        case HowTo(service):
            raw = f"how:{service}"
        case AnswerPart(part, service):
            raw = f"more:{part}:{service}"
        case PendingReply(kind, value):
            raw = f"{kind}:{value}"
        case RunCommand(name):
            raw = f"cmd:{name}"
        case AskHuman():
            raw = "human"
        case DoseReminder(action, child, vaccine, dose):
            raw = f"rem:{action}:{child}:{vaccine}:{dose}"
        case ReminderKind(action, kind):
            raw = f"remk:{action}:{kind}"
        case Feedback(rating, service):
            raw = f"fb:{rating}:{service}"
    if len(raw.encode("utf-8")) > MAX_BYTES:
        raise PayloadTooLongError(f"payload '{raw}' is longer than {MAX_BYTES} bytes")
    return raw


def parse(raw: str | None) -> Payload | None:
    """The payload in `raw`, or None for anything that is not one (garbage, forged, too long)."""
    if not raw or len(raw.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    kind, _, rest = raw.partition(":")
    if kind == "human" and not rest:
        return AskHuman()
    if kind == "checkup" and not rest:  # buttons of an earlier version
        return RunCommand("checkup")
    if kind == "answer":
        parts = rest.split(":", 2)
        if len(parts) == 3 and all(parts) and _ID.match(parts[0]) and _ID.match(parts[1]):
            return StepAnswer(*parts)
        return None
    if kind == "more":
        part, _, service = rest.partition(":")
        return AnswerPart(part, service) if part in ANSWER_PARTS and _ID.match(service) else None
    if kind == "fb":
        rating, _, service = rest.partition(":")
        valid = rating in FEEDBACK_RATINGS and _ID.match(service)
        return Feedback(rating, service) if valid else None  # type: ignore[arg-type]
    if kind == "nav":
        return Nav(rest) if rest in NAV_ACTIONS else None  # type: ignore[arg-type]
    if kind == "rem":
        action, _, rest = rest.partition(":")
        child, _, dose = rest.partition(":")
        found = _DOSE.match(dose)
        if action in REMINDER_ACTIONS and _ID.match(child) and found:
            return DoseReminder(action, child, found.group(1), int(found.group(2)))  # type: ignore[arg-type]
        return None
    if kind == "remk":
        action, _, what = rest.partition(":")
        return ReminderKind(action, what) if action in KIND_ACTIONS and _ID.match(what) else None  # type: ignore[arg-type]
    if kind in PENDING_KINDS and rest:
        return PendingReply(kind, rest)
    if not _ID.match(rest):
        return None
    simple: dict[str, type[ChangeAnswer | StartFlow | ShowTopic | HowTo | RunCommand]] = {
        "change": ChangeAnswer,
        "flow": StartFlow,
        "topic": ShowTopic,
        "how": HowTo,
        "cmd": RunCommand,
    }
    made = simple.get(kind)
    return made(rest) if made else None
