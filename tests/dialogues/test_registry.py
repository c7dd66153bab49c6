"""Every part of a turn is found through a registry: each key once, and nothing that can arrive is
without its handler (event types, payload types, pending questions, built-in commands)."""

from __future__ import annotations

import typing

import pytest

from core import event as events
from dialogues import payload
from dialogues.buttons import PAYLOADS
from dialogues.commands import COMMANDS
from dialogues.events import EVENTS
from dialogues.pending import PENDING
from dialogues.registry import Registry
from dialogues.state import Pending


def test_a_key_registered_twice_is_an_error() -> None:
    registry: Registry[str, int] = Registry("thing")
    registry.register("a")(1)
    with pytest.raises(ValueError, match="thing: 'a' is registered twice"):
        registry.register("a")(2)


def test_every_event_other_than_a_message_has_a_handler() -> None:
    kinds = set(typing.get_args(events.Event)) - {events.Inbound}
    assert kinds == set(EVENTS)


def test_every_payload_type_has_a_handler() -> None:
    assert set(typing.get_args(payload.Payload)) == set(PAYLOADS)


def test_every_question_the_assistant_asks_outside_a_flow_has_a_handler() -> None:
    asked = set(typing.get_args(Pending.model_fields["kind"].annotation))
    # change_step and bereavement are kinds an older version stored: they are cleared, not answered
    assert asked - {"change_step", "bereavement"} == set(PENDING)


def test_the_built_in_commands_are_registered() -> None:
    for name in ("start", "help", "menu", "human", "mydata", "forget", "lang", "cancel", "back", "checklist"):
        assert name in COMMANDS
