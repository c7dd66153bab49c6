"""Whole conversations as YAML transcripts (tests/transcripts/*.yaml), run through the real engine,
the real NLU model and real storage (SQLite), with a fixed clock.

A transcript is a list of steps (schema: tests/dialogues/transcript_schema.py; a mistyped key fails):
  - say: "text"                    # the parent writes (message_id: "m1" gives the platform's id)
  - press: "按钮文字"               # the parent presses a button shown in the last replies (by label)
  - payload: "nav:back"            # a raw button payload (e.g. a stale one)
  - event: {type: WorkerTakeOver, fields: {worker_id: w1, display_name: 王芳}}  # core/event.py
  - restart: true                  # the service restarts: a new engine and app, same database
  - days_later: 3                  # the clock moves on
  expect:                          # checks on the replies of that step
    contains: [...]                # every string appears in the replies' text
    not_contains: [...]
    buttons: [...]                 # these button labels are offered
    no_replies: true               # the assistant says nothing
    effects: [OpenHandoff, ...]    # these effects were decided
    no_effects: [...]
    state: {"residence.city": "xiamen", "flow": null, "children.0.age": 5}
    stored: {handoff_ticket: 1, conversation: 0, checklist: 1, message_log: ">0"}
  why: "..."                       # a step without `expect` says why it needs no check
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.storage.models import Base
from core.clock import FixedClock
from core.event import Event, ReminderDue
from core.message import Inbound, Reply
from dialogues.engine import Outcome
from tests.conftest import TODAY
from tests.dialogues.transcript_schema import Expect, Step, Transcript, load_transcript

TRANSCRIPTS = sorted((Path(__file__).resolve().parents[1] / "transcripts").glob("*.yaml"))


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if data is None:
            return None
        data = data[int(part)] if isinstance(data, list) else data.get(part)
    return data


def _count(app: App, table: str) -> int:
    model = Base.metadata.tables[table]
    with app.storage.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _check(expect: Expect | None, outcome: Outcome | None, app: App, where: str) -> None:
    if expect is None:
        return
    replies: tuple[Reply, ...] = outcome.replies if outcome else ()
    text = "\n".join(reply.text for reply in replies)
    labels = [button.label for reply in replies for button in reply.buttons]
    effects = [type(effect).__name__ for effect in (outcome.effects if outcome else ())]
    for needle in expect.contains:
        assert needle in text, f"{where}: expected {needle!r} in:\n{text}"
    for needle in expect.not_contains:
        assert needle not in text, f"{where}: did not expect {needle!r} in:\n{text}"
    for label in expect.buttons:
        assert label in labels, f"{where}: expected button {label!r} among {labels}"
    if expect.no_replies:
        assert not replies, f"{where}: expected silence, got:\n{text}"
    for name in expect.effects:
        assert name in effects, f"{where}: expected effect {name} among {effects}"
    for name in expect.no_effects:
        assert name not in effects, f"{where}: did not expect effect {name} among {effects}"
    if expect.state:
        assert outcome is not None
        state = outcome.state.model_dump(mode="json")
        for dotted, value in expect.state.items():
            assert _get(state, dotted) == value, (
                f"{where}: state {dotted} = {_get(state, dotted)!r}, not {value!r}"
            )
    for table, wanted in expect.stored.items():
        count = _count(app, table)
        if isinstance(wanted, str) and wanted.startswith(">"):
            assert count > int(wanted[1:]), f"{where}: {table} has {count} rows, expected {wanted}"
        else:
            assert count == wanted, f"{where}: {table} has {count} rows, expected {wanted}"


def _event(step: Step, spec: Transcript) -> Event:
    assert step.event is not None
    kind = next(kind for kind in typing.get_args(Event) if kind.__name__ == step.event.type)
    fields = {"user_id": spec.user, "channel": spec.channel, **step.event.fields}
    if kind is ReminderDue and isinstance(fields.get("due"), str):
        fields["due"] = date.fromisoformat(fields["due"])
    made: Event = kind(**fields)
    return made


def run_transcript(path: Path, make_app: Callable[..., App]) -> None:
    spec, problems = load_transcript(path)
    assert spec is not None, "\n".join(str(problem) for problem in problems)
    clock = FixedClock(TODAY)
    app = make_app(clock=clock)
    last: Outcome | None = None
    for number, step in enumerate(spec.steps, start=1):
        where = f"{path.name} step {number}"
        if step.restart:
            app = make_app(clock=clock)  # a new process: nothing but the database carries over
            last = None
            _check(step.expect, None, app, where)
            continue
        if step.days_later is not None:
            clock.move_to(clock.now() + timedelta(days=step.days_later))
            continue
        if step.event is not None:
            last = app.conversations.handle_outcome(_event(step, spec))
            _check(step.expect, last, app, where)
            continue
        payload = step.payload
        if step.press is not None:
            buttons = [button for reply in (last.replies if last else ()) for button in reply.buttons]
            match = [button for button in buttons if button.label == step.press]
            assert match, f"{where}: no button {step.press!r} among {[b.label for b in buttons]}"
            payload = match[0].payload
        inbound = Inbound(
            user_id=spec.user,
            channel=spec.channel,
            text=step.say or "",
            payload=payload,
            locale=spec.locale,
            message_id=step.message_id,
        )
        last = app.conversations.handle_outcome(inbound)
        _check(step.expect, last, app, where)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[path.stem for path in TRANSCRIPTS])
def test_transcript(path: Path, make_app: Callable[..., App]) -> None:
    run_transcript(path, make_app)
