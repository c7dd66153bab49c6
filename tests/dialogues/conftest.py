"""In-memory conversations for the engine's parts: the real engine over the shipped data and the
session's NLU model, no database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from bot.app import App
from core.clock import Clock
from dialogues.collecting import Chat
from dialogues.engine import Engine
from dialogues.flow import FlowSet


def engine_with(app: App, *, flows: FlowSet | None = None, clock: Clock | None = None) -> Engine:
    """The app's engine, with other flows (a fixture flow the code has never heard of) or another
    clock (a day other than the tests' TODAY)."""
    services = app.dialogue.services
    return Engine(
        **{
            field.name: getattr(services, field.name)
            for field in dataclasses.fields(services)
            if field.name != "topic_titles"
        }
        | ({"flows": flows} if flows is not None else {})
        | ({"clock": clock} if clock is not None else {})
    )


@pytest.fixture
def chat(base_app: App) -> Callable[..., Chat]:
    def start(**kwargs: object) -> Chat:
        return Chat(base_app.dialogue, **kwargs)  # type: ignore[arg-type]

    return start
