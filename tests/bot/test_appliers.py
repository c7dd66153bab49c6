"""Effects are carried out by one registered applier per effect type; /mydata's applier lists what
every declared table stores about the user, in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import pytest
from sqlalchemy.engine import Engine

from bot import database
from bot.storage.appliers import build_appliers
from bot.storage.registry import ApplierError, ApplierRegistry, ApplyContext
from core.message import Inbound, Reply
from dialogues.effect import Effect, RecordGap
from tests.bot.scripted_engine import scripted_service


def _inbound(user: str, text: str) -> Inbound:
    return Inbound(user_id=user, channel="test", text=text)


def _nothing(effect: object, context: ApplyContext) -> list[Reply]:
    return []


def test_every_effect_type_of_the_union_has_an_applier() -> None:
    assert len(get_args(Effect)) >= 7
    assert build_appliers().missing(get_args(Effect)) == []


def test_registering_a_type_twice_fails() -> None:
    registry = ApplierRegistry()
    registry.register(RecordGap, _nothing)
    with pytest.raises(ApplierError, match="RecordGap already has an applier"):
        registry.register(RecordGap, _nothing)


def test_a_registry_missing_an_effect_type_fails_its_check_and_refuses_that_effect() -> None:
    registry = ApplierRegistry()
    registry.register(RecordGap, _nothing)
    with pytest.raises(ApplierError, match="DeleteUserData"):
        registry.check_complete()

    @dataclass(frozen=True)
    class Unknown:
        pass

    with pytest.raises(ApplierError, match="no applier for Unknown"):
        registry.apply(Unknown(), None)  # type: ignore[arg-type]


def test_mydata_lists_each_declared_table_with_rows_for_the_user_only(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(engine.url.render_as_string(hide_password=False))
    service.handle(_inbound("a", "child"))
    service.handle(_inbound("a", "hello"))
    service.handle(_inbound("b", "child"))
    replies = service.handle(_inbound("a", "mydata"))
    assert replies[0].text == "turn 3"  # the engine's replies first, then the applier's
    assert replies[1].text.splitlines() == [
        "我这里存着这些和你有关的记录：",
        "• 对话进度：1份",
        "• 聊天记录：6条",  # three turns in and out, this one's included
        "• 转社工的记录：1条",
        "• 同意或不同意的记录：1条",
        "• 清单：1份",
    ]
    assert len(replies) == 2


def test_mydata_speaks_the_users_language(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(engine.url.render_as_string(hide_password=False))
    service.handle(_inbound("a", "english"))
    text = service.handle(_inbound("a", "mydata"))[1].text
    assert text.splitlines() == [
        "Here are the records I keep about you:",
        "• Conversation progress: 1",
        "• Chat messages: 4",
    ]


def test_forget_then_mydata_finds_nothing_but_the_new_conversation(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(engine.url.render_as_string(hide_password=False))
    service.handle(_inbound("a", "child"))
    service.handle(_inbound("a", "forget"))
    assert service.handle(_inbound("a", "mydata"))[1].text.splitlines() == [
        "我这里存着这些和你有关的记录：",
        "• 对话进度：1份",
        "• 聊天记录：2条",
    ]
