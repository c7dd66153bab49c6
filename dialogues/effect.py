"""Effects: what the engine decided should happen outside it; bot/ carries them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class OpenHandoff:
    """Hand the conversation to a social worker (a ticket in the worker queue)."""

    reason: str  # crisis | requested | low_confidence | no_answer
    urgency: Literal["urgent", "normal"]
    summary: str
    province: str | None = None
    city: str | None = None
    district: str | None = None


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
    dates: tuple[dict[str, str | None], ...] = field(default_factory=tuple)
    child_id: str | None = None


@dataclass(frozen=True)
class CancelChildPlans:
    """Stop everything planned for a child (after a reported loss)."""

    child_id: str


@dataclass(frozen=True)
class DeleteChildData:
    """Delete what is stored about the user's children (their checklists), after the parent withdrew
    the consent to keep it; the conversation and the consent records stay."""


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
)
