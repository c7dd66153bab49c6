"""Events: anything that happens to a conversation. The conversation core takes one at a time.

A parent's message or button press is `Inbound` (core.message); the others come from the worker
console, the reminder dispatcher and the privacy pages. Every event names the user it is for
(`channel` + `user_id`, the key of the conversation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.message import Inbound


@dataclass(frozen=True)
class WorkerTakeOver:
    """A social worker takes the conversation over: from now on the assistant is silent except for
    crisis handling, until the worker hands it back."""

    user_id: str
    channel: str
    worker_id: str
    display_name: str


@dataclass(frozen=True)
class WorkerMessage:
    """A worker's message to the parent, delivered through the parent's own channel, signed."""

    user_id: str
    channel: str
    worker_id: str
    display_name: str
    text: str


@dataclass(frozen=True)
class WorkerHandBack:
    """The worker hands the conversation back: the parent is told, an unfinished flow resumes."""

    user_id: str
    channel: str
    worker_id: str


@dataclass(frozen=True)
class ReminderDue:
    """A planned reminder falls due. An outcome with no replies means it was not delivered (a worker
    owns the conversation, the parent withdrew consent, the child's plans were stopped): the
    dispatcher keeps it or drops it, the engine never sends it behind a worker's back."""

    user_id: str
    channel: str
    reminder_id: str
    kind: str  # vaccine | renewal | school | visit
    label: str  # what is due, already in the parent's language (e.g. 百白破第3剂)
    due: date
    child_id: str | None = None
    label_id: str | None = None  # the row's label id ("vaccine_dose") and its parameters (ids and
    params: dict[str, Any] = field(default_factory=dict)  # numbers): what the reminder's buttons answer


@dataclass(frozen=True)
class ConsentWithdrawn:
    """The parent withdrew a consent somewhere else (a privacy page, a worker on the parent's word)."""

    user_id: str
    channel: str
    purpose: str  # child_profile | reminders | handoff


Event = Inbound | WorkerTakeOver | WorkerMessage | WorkerHandBack | ReminderDue | ConsentWithdrawn
