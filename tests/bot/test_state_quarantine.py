"""A stored state that cannot be read is kept aside in quarantine, never silently replaced: nothing
else the user stored is touched, the parent is told once, the log names nobody. An old state is
migrated forward. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import database
from bot.cipher import Cipher
from bot.storage.models import ConsentRecord, Conversation, HandoffTicket, StateQuarantine, StoredChecklist
from core.database import make_sessions, transaction
from core.message import Inbound
from dialogues.state import STATE_VERSION, State
from dialogues.state_migration import StateMigrations
from tests.bot.scripted_engine import KEY, NOW, ScriptedEngine, scripted_service

NOTICE = "抱歉，我没能读出我们之前的对话进度"


def _store(engine: Engine, user: str, blob: bytes) -> None:
    with transaction(make_sessions(engine)) as session:
        row = session.scalars(select(Conversation).where(Conversation.user_key == f"test:{user}")).one()
        row.state = blob


def _stored_state(engine: Engine, user: str) -> dict[str, Any]:
    with make_sessions(engine)() as session:
        row = session.scalars(select(Conversation).where(Conversation.user_key == f"test:{user}")).one()
        assert row.state is not None
        return dict(json.loads(Cipher(KEY).decrypt(row.state)))


def _quarantined(engine: Engine) -> list[StateQuarantine]:
    with make_sessions(engine)() as session:
        return list(session.scalars(select(StateQuarantine)).all())


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_corrupted_state_goes_to_quarantine_and_nothing_else_is_deleted(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    database.upgrade(engine)
    scripted = ScriptedEngine()
    service = scripted_service(_url(engine), scripted)
    service.handle(Inbound(user_id="p", channel="test", text="child"))
    broken = b"gAAAAA-not-a-fernet-token"
    _store(engine, "p", broken)

    with caplog.at_level(logging.WARNING, logger="tongxing.storage"):
        replies = service.handle(Inbound(user_id="p", channel="test", text="hello"))

    assert scripted.seen[-1] == State()  # the conversation goes on with a fresh state
    assert len(replies) == 2 and replies[0].text == "turn 1" and NOTICE in replies[1].text
    (kept,) = _quarantined(engine)
    assert (kept.user_key, kept.state) == ("test:p", broken)
    assert "cannot decrypt" in kept.reason and kept.created_at is not None
    with make_sessions(engine)() as session:
        for model in (ConsentRecord, StoredChecklist, HandoffTicket):
            assert len(session.scalars(select(model).where(model.user_key == "test:p")).all()) == 1
    (warning,) = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert "quarantine" in warning.getMessage() and "test:p" not in warning.getMessage()

    again = service.handle(Inbound(user_id="p", channel="test", text="hello"))  # told once
    assert [reply.text for reply in again] == ["turn 2"]
    assert len(_quarantined(engine)) == 1


def test_a_state_under_another_key_is_kept_as_stored(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(_url(engine))
    service.handle(Inbound(user_id="p", channel="test", text="child"))
    with make_sessions(engine)() as session:
        original = session.scalars(select(Conversation.state)).one()
    other = scripted_service(_url(engine), key=Fernet.generate_key())
    other.handle(Inbound(user_id="p", channel="test", text="hello"))
    (kept,) = _quarantined(engine)
    assert kept.state == original
    assert State.model_validate_json(Cipher(KEY).decrypt(kept.state)).children[0].name == "小明"


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"version": STATE_VERSION + 1, "turns": 4}), "written by newer code"),
        (json.dumps({"version": STATE_VERSION, "children": "小明, 5岁"}), "does not match State: 1 error"),
        (json.dumps({"turns": 4}), "no migration from version 0"),
    ],
)
def test_unreadable_states_are_kept_aside_with_a_reason_that_quotes_nothing(
    engine: Engine, stored: str, reason: str
) -> None:
    database.upgrade(engine)
    service = scripted_service(_url(engine))
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    blob = Cipher(KEY).encrypt(stored)
    _store(engine, "p", blob)
    replies = service.handle(Inbound(user_id="p", channel="test", text="hello"))
    assert NOTICE in replies[-1].text
    (kept,) = _quarantined(engine)
    assert kept.state == blob and reason in kept.reason and "小明" not in kept.reason
    assert _stored_state(engine, "p")["turns"] == 1  # a fresh state replaced it, after it was kept


def _v0_migrations() -> StateMigrations:
    """A test-only migration proving the mechanism: version 0 called the locale "lang" and the
    children "kids"."""
    migrations = StateMigrations(target=STATE_VERSION)

    @migrations.register(0)
    def rename(data: dict[str, Any]) -> dict[str, Any]:
        data["locale"] = data.pop("lang", "zh_Hans")
        data["children"] = data.pop("kids", [])
        return data

    return migrations


def test_a_version_0_state_is_migrated_forward(engine: Engine) -> None:
    database.upgrade(engine)
    scripted = ScriptedEngine()
    service = scripted_service(_url(engine), scripted, migrations=_v0_migrations())
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    v0 = {"lang": "en", "kids": [{"id": "c1", "age": 5}], "consent": {"child_profile": True}, "turns": 7}
    _store(engine, "p", Cipher(KEY).encrypt(json.dumps(v0)))

    replies = service.handle(Inbound(user_id="p", channel="test", text="hello"))

    seen = scripted.seen[-1]
    assert (seen.locale, seen.children[0].id, seen.turns) == ("en", "c1", 7)
    assert seen.consent == {"child_profile": True}
    assert [reply.text for reply in replies] == ["turn 8"]
    assert _quarantined(engine) == []
    assert _stored_state(engine, "p")["version"] == STATE_VERSION


def test_a_failing_migration_keeps_the_state_aside_instead_of_failing_every_turn(engine: Engine) -> None:
    database.upgrade(engine)
    migrations = StateMigrations(target=STATE_VERSION)
    migrations.register(0)(lambda data: {"children": data["kids"]})
    service = scripted_service(_url(engine), migrations=migrations)
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    _store(engine, "p", Cipher(KEY).encrypt(json.dumps({"turns": 2})))
    replies = service.handle(Inbound(user_id="p", channel="test", text="hello"))
    assert replies[0].text == "turn 1"
    (kept,) = _quarantined(engine)
    assert kept.reason == "migration failed: KeyError"


def test_forget_also_deletes_what_was_kept_aside(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(_url(engine))
    service.handle(Inbound(user_id="p", channel="test", text="child"))
    _store(engine, "p", b"broken")
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    assert len(_quarantined(engine)) == 1
    service.handle(Inbound(user_id="p", channel="test", text="forget"))
    assert _quarantined(engine) == []


def test_now_is_the_time_of_keeping_aside(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(_url(engine))
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    _store(engine, "p", b"broken")
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    (kept,) = _quarantined(engine)
    assert kept.created_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
