"""A user's conversation state: what the engine remembers between turns.

The engine never stores it: bot/ loads it before a turn and saves the new one
(encrypted at rest, since it holds children's ages and birth dates).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

STATE_VERSION = 1
Purpose = Literal["child_profile", "reminders", "handoff"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Place(_Model):
    province: str | None = None
    city: str | None = None
    district: str | None = None

    def known(self) -> bool:
        return self.province is not None


class Child(_Model):
    id: str
    name: str | None = None
    birth_date: date | None = None
    age: float | None = None  # as told, on `age_told_on`
    age_told_on: date | None = None
    stage: str | None = None
    active: bool = True  # False after a reported loss: nothing more is planned for this child
    # vaccination reminders (dialogues/vaccine_talk.py), kept with the `reminders` consent:
    vaccine_reminders: bool = False  # set up: the plan is written as reminders and kept up to date
    birth_estimated: bool = False  # the birth date was worked out from an age told, not read from a date
    doses: dict[str, str | None] = Field(default_factory=dict)  # "hepb:1" -> the day given (ISO) or None
    snoozed: dict[str, str] = Field(default_factory=dict)  # "dtap:3" -> the day 晚点提醒 moved it to
    stopped: list[str] = Field(default_factory=list)  # kinds of reminder stopped for this child

    def age_on(self, today: date) -> float | None:
        if self.birth_date is not None:
            return max(0.0, (today - self.birth_date).days / 365.25)
        if self.age is not None and self.age_told_on is not None:
            return self.age + max(0, (today - self.age_told_on).days) / 365.25
        return self.age


class ActiveFlow(_Model):
    flow_id: str
    step_id: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)  # steps answered, in order (for "back")
    child_id: str | None = None


class WorkerOwner(_Model):
    """The social worker who owns the conversation: the one source of truth for who answers."""

    worker_id: str
    display_name: str
    since: date


class Offer(_Model):
    """A button shown to the parent: its label and what pressing it sends."""

    label: str
    payload: str


class Pending(_Model):
    """Something the assistant asked outside a flow and is waiting for."""

    kind: Literal[
        "place",
        "consent",
        "forget",
        "handoff",
        "district",
        "language",
        "change_step",
        "bereavement",
        "crisis_followup",
        "reminders_consent",
        "vaccine_birth",
        "vaccine_doses",
        "reminder",
    ]
    data: dict[str, Any] = Field(default_factory=dict)


class ChecklistLine(_Model):
    section: str
    text: str
    why: str | None = None
    source: str | None = None  # the document's title
    source_item: str | None = None  # the item or article in it


class KeyDate(_Model):
    id: str
    label: str
    start: date
    end: date | None = None
    child_id: str | None = None
    first_step: str | None = None  # what to do first when the deadline is near (in the parent's language)
    reminder: str | None = None  # the kind of reminder planned from it (renewal, school), if any
    source: str | None = None  # 《document》item, in the parent's script
    verified: bool = True  # False: the parent is asked to confirm the date locally
    stage: str | None = None  # a school window's stage


class Checklist(_Model):
    flow_id: str
    title: str
    created_at: datetime
    lines: list[ChecklistLine]
    dates: list[KeyDate] = Field(default_factory=list)
    child_id: str | None = None


class State(_Model):
    version: int = STATE_VERSION
    locale: str = "zh_Hans"
    residence: Place = Field(default_factory=Place)
    hukou: Place = Field(default_factory=Place)
    children: list[Child] = Field(default_factory=list)
    consent: dict[str, bool] = Field(default_factory=dict)  # purpose -> granted (absent: not asked yet)
    flow: ActiveFlow | None = None
    pending: Pending | None = None
    explained: list[str] = Field(default_factory=list)  # official terms already explained
    last_service: str | None = None  # the service last answered: "怎么办", "要带什么" ask about it
    last_shown: list[str] = Field(default_factory=list)  # what of it is on screen: brief, parts, aspects
    shown_on: date | None = None  # the day `last_shown` was shown: on a later day nothing is on screen
    answered: list[str] = Field(default_factory=list)  # the services last answered, newest last (a few)
    unanswered: str | None = None  # the last question the knowledge base had no answer to
    checklists: dict[str, Checklist] = Field(default_factory=dict)
    handoff_open: bool = False
    handoff_opened_on: date | None = None
    place_asked: bool = False  # where the family lives is asked once, then remembered or left unknown
    turns: int = 0
    worker: WorkerOwner | None = None  # while set, the assistant is silent except for crisis handling
    seen_messages: list[str] = Field(default_factory=list)  # recent platform message ids (redelivery)
    offered: list[Offer] = Field(default_factory=list)  # the buttons of the last reply that had some
    # what recent messages said that a step may ask (dialogues/heard.py: what is kept, and how long)
    heard: dict[str, Any] | None = None
    # reminders by kind (vaccine, renewal, school, visit): paused ones are kept but not said until
    # resumed; stopped ones are cancelled and no more are planned (dialogues/reminder_list.py)
    reminders_paused: list[str] = Field(default_factory=list)
    reminders_stopped: list[str] = Field(default_factory=list)
    feedback_asked: list[str] = Field(default_factory=list)  # topics "有帮助吗？" was asked about
    feedback_for: str | None = None  # the service the next message may rate in words

    def active_child(self) -> Child | None:
        if self.flow and self.flow.child_id:
            return next((child for child in self.children if child.id == self.flow.child_id), None)
        living = [child for child in self.children if child.active]
        return living[0] if len(living) == 1 else (living[-1] if living else None)
