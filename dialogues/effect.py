"""Effects: what the engine decided should happen outside it; bot/ carries them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from dialogues.case_summary import CaseSummary


@dataclass(frozen=True)
class OpenHandoff:
    """Hand the conversation to a social worker (a ticket in the worker queue)."""

    reason: str  # crisis | requested | low_confidence | no_answer
    urgency: Literal["urgent", "normal"]
    summary: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    case: CaseSummary | None = None  # what a worker reads first (dialogues/case_summary.py)


@dataclass(frozen=True)
class NoteCrisisFollowUp:
    """What the parent answered after a crisis reply (is the child safe, with whom, where): added
    to the user's open urgent ticket (its safety, its place, and the words in its follow-up note)."""

    safety: Literal["safe", "unsafe", "unknown"]
    note: str  # the parent's own words
    with_whom: str | None = None  # the words that said who the child is with ("跟我在一起")
    province: str | None = None
    city: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class DeleteUserData:
    """Delete everything stored about the user: messages, children, checklists, reminders, state."""


@dataclass(frozen=True)
class DescribeStoredData:
    """List what is stored about the user, table by table (for /mydata): bot/ counts the rows."""


@dataclass(frozen=True)
class RecordConsent:
    purpose: str
    granted: bool


@dataclass(frozen=True)
class RecordGap:
    """A question the knowledge base could not answer (for civil-affairs staff)."""

    text: str
    province: str | None = None
    city: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class RecordFeedback:
    """A parent's answer to "有帮助吗？" after an answer: the service and the place, never words
    (for the answer-quality report); bot/ adds the channel and the family's keyed hash."""

    service_id: str
    rating: Literal["helpful", "not_helpful", "human"]
    province: str | None = None
    city: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class StoreChecklist:
    """A finished flow's checklist, with its dates in structured form (for reminders)."""

    flow_id: str
    title: str
    lines: tuple[dict[str, str | None], ...]
    dates: tuple[dict[str, str | bool | None], ...] = field(default_factory=tuple)
    child_id: str | None = None
    # the parent agreed to reminders: the dates that ask for one (the permit's endorsement, a city's
    # school registration window) are planned; without that consent none is
    remind: bool = False


@dataclass(frozen=True)
class CancelChildPlans:
    """Stop everything planned for a child (after a reported loss)."""

    child_id: str


@dataclass(frozen=True)
class DeleteChildData:
    """Delete what is stored about the user's children (their checklists), after the parent withdrew
    the consent to keep it; the conversation and the consent records stay."""


@dataclass(frozen=True)
class ReminderItem:
    """One reminder to write: what it is about (a label id and parameters that are not personal, a
    vaccine id and a dose number), the day it is about, and when to send it (aware)."""

    label_id: str
    params: dict[str, Any]
    due: date
    send_at: datetime


@dataclass(frozen=True)
class PlanReminders:
    """Write a child's reminders of one kind in the parent's channel. With `replace`, what is still
    pending for that child and kind and not in `items` is cancelled (a corrected birth date, a dose
    given): planning the same items again changes nothing (idempotency keys)."""

    child_ref: str  # the conversation's opaque child id, never a name or a birth date
    kind: str
    items: tuple[ReminderItem, ...]
    zone: str  # the family's time zone (quiet hours)
    replace: bool = True


@dataclass(frozen=True)
class StopReminders:
    """Cancel what is pending of one kind (for one child, or for every child)."""

    kind: str
    child_ref: str | None = None


@dataclass(frozen=True)
class ListReminders:
    """List what is coming (for /reminders): bot/ reads the pending rows and renders them with
    dialogues/reminder_list.py; paused and stopped kinds are said with their buttons."""

    paused: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()


Effect = (
    OpenHandoff
    | NoteCrisisFollowUp
    | DeleteUserData
    | DescribeStoredData
    | RecordConsent
    | RecordGap
    | RecordFeedback
    | StoreChecklist
    | CancelChildPlans
    | DeleteChildData
    | PlanReminders
    | StopReminders
    | ListReminders
)
