"""What a turn writes at its end (bot/storage/turn_writes.py): the messages in the order they were
said, the turn log's row and the state, on SQLite and on PostgreSQL; on PostgreSQL a parent's turn
is two statements (the locked read, then one write), whatever it said."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot import database
from bot.cipher import Cipher
from bot.conversation import ConversationService
from bot.storage.models import Conversation, MessageLog, StoredChecklist, TurnLog
from core.clock import FixedClock
from core.database import make_engine, make_sessions
from core.message import Inbound
from dialogues.effect import DescribeStoredData
from dialogues.engine import Outcome
from dialogues.state import State
from reminders.store import ReminderRow
from tests.bot.test_conversation_storage import KEY, NOW, CountingEngine, _state


class DescribingEngine(CountingEngine):
    """Counts turns; "mydata" asks for what is stored (an effect whose applier answers in words)."""

    def handle(self, state: State, inbound: Inbound) -> Outcome:
        outcome = super().handle(state, inbound)
        if inbound.text == "mydata":
            return replace(outcome, effects=(DescribeStoredData(),))
        return outcome


def _service(engine: Engine) -> ConversationService:
    return ConversationService(DescribingEngine(), make_sessions(engine), Cipher(KEY), FixedClock(NOW))  # type: ignore[arg-type]


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _messages(engine: Engine, user: str) -> list[tuple[str, str]]:
    cipher = Cipher(KEY)
    with engine.connect() as connection:
        rows = connection.execute(
            select(MessageLog.direction, MessageLog.body)
            .where(MessageLog.user_key == user)
            .order_by(MessageLog.id)
        ).all()
    return [(direction, cipher.decrypt(body)) for direction, body in rows]


def test_a_turn_stores_its_messages_in_order_its_row_and_its_state(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine)
    # "child" has effects that write (a checklist, a ticket); "mydata" one that answers in words
    for text in ("hello", "child", "mydata", "again"):
        service.handle(Inbound(user_id="p1", channel="test", text=text))
    said = _messages(engine, "test:p1")
    assert said[:6] == [
        ("in", "hello"),
        ("out", "turn 1"),
        ("in", "child"),
        ("out", "turn 2"),
        ("in", "mydata"),
        ("out", "turn 3"),
    ]
    direction, described = said[6]  # the effect's words, after the turn's own reply
    assert direction == "out" and "聊天记录：6条" in described  # counting this turn's two messages
    assert said[7:] == [("in", "again"), ("out", "turn 4")]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TurnLog)) == 4
        assert connection.scalar(select(func.count()).select_from(StoredChecklist)) == 1
        assert connection.scalar(select(Conversation.version).where(Conversation.user_key == "test:p1")) == 4
    assert _state(engine, "p1").turns == 4


def test_a_turn_sees_the_reminders_waiting_for_the_parent_in_its_write(engine: Engine) -> None:
    database.upgrade(engine)
    service = _service(engine)
    service.handle(Inbound(user_id="p2", channel="test", text="hello"))
    first = service.take(Inbound(user_id="p2", channel="test", text="hello"), look_for_waiting=True)
    assert first.reminders_waiting is False
    with make_sessions(engine).begin() as session:
        session.add(
            ReminderRow(
                idempotency_key="waiting-one",
                user_key="test:p2",
                channel="test",
                kind="vaccine",
                label_id="vaccine",
                params="{}",
                due_date=NOW.date(),
                send_at=NOW,
                zone="Asia/Shanghai",
                status="waiting_window",
                attempts=0,
                updated_at=NOW,
            )
        )
    second = service.take(Inbound(user_id="p2", channel="test", text="hello"), look_for_waiting=True)
    assert second.reminders_waiting is True
    assert _state(engine, "p2").turns == 3


def test_on_postgresql_a_parents_turn_is_one_locked_read_and_one_write(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        database.upgrade(engine)
        service = _service(engine)
        service.handle(Inbound(user_id="p3", channel="test", text="hello"))  # the row is created
        for look in (False, True):
            with _statements(engine) as seen:
                service.take(Inbound(user_id="p3", channel="test", text="hi"), look_for_waiting=look)
            assert len(seen) == 2, seen
            assert seen[0].lstrip().startswith("SELECT") and "FOR UPDATE" in seen[0]
            assert seen[1].lstrip().startswith("WITH") and "UPDATE conversation" in seen[1]
        assert _messages(engine, "test:p3")[-2:] == [("in", "hi"), ("out", "turn 3")]
    finally:
        engine.dispose()
