"""The schema of a YAML transcript (tests/transcripts/*.yaml): a mistyped key fails, and a step that
expects nothing must say why (usually: a later step checks where it leads)."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core import event as events
from core.yamlfile import Problem, read_yaml, schema_problems
from dialogues import effect as effects

EFFECT_NAMES = frozenset(kind.__name__ for kind in typing.get_args(effects.Effect))
EVENT_NAMES = frozenset(kind.__name__ for kind in typing.get_args(events.Event)) - {"Inbound"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    contains: tuple[str, ...] = ()  # every string appears in the replies' text
    not_contains: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()  # these button labels are offered
    no_replies: bool = False  # the assistant says nothing (a worker owns the conversation...)
    effects: tuple[str, ...] = ()  # these effects were decided
    no_effects: tuple[str, ...] = ()
    state: dict[str, Any] = Field(default_factory=dict)  # dotted paths into the state
    stored: dict[str, int | str] = Field(default_factory=dict)  # rows per table ("> 0" as ">0")

    @model_validator(mode="after")
    def _known_effects(self) -> Expect:
        unknown = sorted(set(self.effects + self.no_effects) - EFFECT_NAMES)
        if unknown:
            raise ValueError(f"unknown effects {unknown}; effects are {sorted(EFFECT_NAMES)}")
        if not any(
            (
                self.contains,
                self.not_contains,
                self.buttons,
                self.no_replies,
                self.effects,
                self.no_effects,
                self.state,
                self.stored,
            )
        ):
            raise ValueError("an empty expect: say what the step should do, or drop it and say why")
        return self


class Event(_Strict):
    """An event other than the parent's message (core/event.py), by type and fields."""

    type: str
    fields: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known(self) -> Event:
        if self.type not in EVENT_NAMES:
            raise ValueError(f"unknown event '{self.type}'; events are {sorted(EVENT_NAMES)}")
        return self


class Step(_Strict):
    say: str | None = None  # the parent writes
    press: str | None = None  # the parent presses a button of the last replies (by label)
    payload: str | None = None  # a raw button payload (a stale or forged one)
    message_id: str | None = None  # the platform's id of the message (for redelivery)
    event: Event | None = None  # a worker, a reminder, a consent withdrawn elsewhere
    restart: Literal[True] | None = None  # the service restarts: a new app, the same database
    days_later: int | None = Field(default=None, ge=1)  # the clock moves on
    expect: Expect | None = None
    why: str | None = Field(default=None, min_length=8)  # why a step expects nothing

    @model_validator(mode="after")
    def _one_action_and_a_reason(self) -> Step:
        actions = [
            name
            for name in ("say", "press", "payload", "event", "restart", "days_later")
            if getattr(self, name) is not None
        ]
        if len(actions) != 1:
            raise ValueError(
                f"a step does exactly one thing (say, press, payload, event, restart, days_later), "
                f"not {actions or 'nothing'}"
            )
        if self.message_id is not None and actions[0] not in {"say", "press", "payload"}:
            raise ValueError("message_id goes with what the parent sends")
        if self.days_later is not None and self.expect is not None:
            raise ValueError("days_later only moves the clock: it has no replies to expect")
        if actions[0] in {"say", "press", "payload", "event"} and self.expect is None and self.why is None:
            raise ValueError("this step expects nothing: add `expect`, or `why` it needs no check")
        return self


class Transcript(_Strict):
    title: str = Field(min_length=10)
    steps: tuple[Step, ...] = Field(min_length=1)
    locale: str | None = None  # the platform's language of the parent
    user: str = "parent-1"
    channel: str = "test"


def load_transcript(path: Path) -> tuple[Transcript | None, list[Problem]]:
    source = read_yaml(path)
    try:
        return Transcript.model_validate(source.data), []
    except ValidationError as error:
        return None, schema_problems(source, error)
