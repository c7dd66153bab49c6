"""Conversation storage: concurrent turns never lose an update, data is encrypted at rest,
/forget removes everything, old messages are purged. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import database
from bot.cipher import Cipher, load_or_create_key
from bot.conversation import ConversationService, purge_messages
from bot.storage.models import Conversation, HandoffTicket, MessageLog, StoredChecklist
from core.clock import FixedClock
from core.database import make_engine, make_sessions
from core.message import Inbound, Reply
from dialogues.effect import DeleteUserData, OpenHandoff, StoreChecklist
from dialogues.engine import Outcome
from dialogues.state import Child, State

KEY = base64.urlsafe_b64encode(b"tongxing-test-key-32-bytes-long!")  # fixed: spawned workers share it
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class CountingEngine:
    """A stand-in for the dialogue engine that only counts turns: these tests are about storage,
    so each process stays light (the real engine is exercised by the transcripts)."""

    def handle(self, state: State, inbound: Inbound) -> Outcome:
        new = state.model_copy(deep=True)
        new.turns += 1
        effects: tuple[object, ...] = ()
        if inbound.text == "forget":
            effects = (DeleteUserData(),)
        elif inbound.text == "child":
            new.children.append(Child(id="c1", name="小明", age=5.0))
            effects = (
                StoreChecklist(flow_id="f", title="t", lines=({"text": "小明的清单"},)),
                OpenHandoff(reason="requested", urgency="normal", summary="小明的家长要找社工"),
            )
        return Outcome((Reply(f"turn {new.turns}"),), effects, new)  # type: ignore[arg-type]


def _service(url: str) -> ConversationService:
    engine = make_engine(url)
    return ConversationService(CountingEngine(), make_sessions(engine), Cipher(KEY), FixedClock(NOW))  # type: ignore[arg-type]


def _worker(url: str, count: int, user: str) -> None:
    service = _service(url)
    for number in range(count):
        service.handle(Inbound(user_id=user, channel="test", text=f"message {number}"))


def _state(engine: Engine, user: str) -> State:
    with make_sessions(engine)() as session:
        row = session.scalars(select(Conversation).where(Conversation.user_key == f"test:{user}")).one()
        assert row.state is not None
        return State.model_validate_json(Cipher(KEY).decrypt(row.state))


def test_two_processes_sending_at_once_never_lose_an_update(engine: Engine) -> None:
    database.upgrade(engine)
    url = engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_worker, args=(url, 25, "same-parent")) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert _state(engine, "same-parent").turns == 50
    with make_sessions(engine)() as session:
        logged = session.scalars(select(MessageLog).where(MessageLog.user_key == "test:same-parent")).all()
        assert len(logged) == 100  # 50 in, 50 out


def test_childrens_data_is_encrypted_at_rest(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="p", channel="test", text="child"))
    with make_sessions(engine)() as session:
        for model, column in (
            (Conversation, "state"),
            (MessageLog, "body"),
            (StoredChecklist, "body"),
            (HandoffTicket, "summary"),
        ):
            for row in session.scalars(select(model)).all():
                raw = getattr(row, column)
                assert raw and "小明".encode() not in raw
    assert _state(engine, "p").children[0].name == "小明"


def test_forget_deletes_every_row_of_the_user_and_keeps_others(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="a", channel="test", text="child"))
    service.handle(Inbound(user_id="b", channel="test", text="child"))
    service.handle(Inbound(user_id="a", channel="test", text="forget"))
    with make_sessions(engine)() as session:
        for model in (Conversation, MessageLog, StoredChecklist, HandoffTicket):
            keys = {row.user_key for row in session.scalars(select(model)).all()}
            assert "test:a" not in keys and "test:b" in keys


def test_messages_older_than_retention_are_purged(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    sessions = make_sessions(engine)
    assert purge_messages(sessions, FixedClock(NOW + timedelta(days=179)), 180) == 0
    assert purge_messages(sessions, FixedClock(NOW + timedelta(days=181)), 180) == 2
    with sessions() as session:
        assert session.scalars(select(MessageLog)).all() == []
        assert session.scalars(select(Conversation)).one().state is not None  # the state itself stays


def test_unreadable_state_restarts_the_conversation_without_losing_other_rows(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    other = ConversationService(
        CountingEngine(),
        make_sessions(engine),
        Cipher(Fernet.generate_key()),  # type: ignore[arg-type]
        FixedClock(NOW),
    )
    replies = other.handle(Inbound(user_id="p", channel="test", text="hello again"))
    assert replies[0].text == "turn 1"
    with make_sessions(engine)() as session:
        assert len(session.scalars(select(MessageLog)).all()) == 4


def test_embedded_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path, None)
    assert stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode) == 0o600
    assert load_or_create_key(tmp_path, None) == first
    assert load_or_create_key(tmp_path, "configured-key") == b"configured-key"
