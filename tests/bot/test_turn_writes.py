"""What a turn writes at its end (bot/storage/turn_writes.py): the messages in the order they were
said, the turn log's row and the state, on SQLite and on PostgreSQL; on PostgreSQL a parent's turn
is two statements outside a transaction (the read, then one write that checks the version),
whatever it said."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot import database
from bot.cipher import Cipher
from bot.conversation import ConversationService
from bot.storage.models import Conversation, MessageLog, StoredChecklist, TurnLog
from bot.storage.turn_writes import TurnWrite, write_turn
from core.clock import FixedClock
from core.database import make_engine, make_sessions
from core.message import Inbound
from dialogues.effect import DescribeStoredData
from dialogues.engine import Outcome
from dialogues.state import State
from reminders.store import ReminderRow
from tests.bot.reports.test_rollup import _row
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
def _statements(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """The statements run, each with whether its connection was in autocommit (no transaction)."""
    seen: list[tuple[str, bool]] = []

    def note(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append((statement, bool(connection.connection.dbapi_connection.autocommit)))

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


def test_on_postgresql_a_parents_turn_is_one_read_and_one_write_outside_a_transaction(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    try:
        database.upgrade(engine)
        service = _service(engine)
        service.handle(Inbound(user_id="p3", channel="test", text="hello"))  # the row is created
        for look in (False, True):
            with _statements(engine) as seen:
                service.take(Inbound(user_id="p3", channel="test", text="hi"), look_for_waiting=look)
            assert [autocommit for _, autocommit in seen] == [True, True]  # no BEGIN, no COMMIT
            read, write = (statement.lstrip() for statement, _ in seen)
            assert read.startswith("SELECT") and "FOR UPDATE" not in read
            assert write.startswith("WITH") and "UPDATE conversation" in write and "version =" in write
        assert _messages(engine, "test:p3")[-2:] == [("in", "hi"), ("out", "turn 3")]
        with _statements(engine) as seen:  # a turn with effects takes the lock, in one transaction
            service.handle(Inbound(user_id="p3", channel="test", text="mydata"))
        locked = [statement for statement, autocommit in seen if not autocommit]
        assert locked and "FOR UPDATE" in locked[0]
    finally:
        engine.dispose()


_TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    messages=st.lists(st.tuples(st.sampled_from(["in", "out", "worker"]), _TEXTS), max_size=6),
    with_turn=st.booleans(),
    see_waiting=st.booleans(),
)
def test_every_shape_of_turn_writes_exactly_its_rows_in_order(
    engine: Engine, messages: list[tuple[str, str]], with_turn: bool, see_waiting: bool
) -> None:
    """However many messages (none to six), with or without a turn-log row, looking for waiting
    reminders or not: the rows written are exactly the turn's, in order, and the state is stored."""
    database.upgrade(engine)
    cipher = Cipher(KEY)
    user = f"shape{uuid.uuid4().hex[:12]}"  # the examples share the database: each its own parent
    _service(engine).handle(Inbound(user_id=user, channel="test", text="hello"))  # the row exists
    key = f"test:{user}"
    with make_sessions(engine).begin() as session:
        row = session.execute(
            select(Conversation.id, Conversation.version).where(Conversation.user_key == key)
        ).one()
        turns_before = session.scalar(select(func.count()).select_from(TurnLog))
        sealed = [(direction, cipher.encrypt(text)) for direction, text in messages]
        state = cipher.encrypt('{"turns": 9}')
        write = TurnWrite(
            key,
            row.id,
            state,
            NOW,
            sealed,
            _row("f" * 32, NOW, ("fujian", None, None), intent="greet") if with_turn else None,
        )
        waiting = write_turn(session.connection(), write, see_waiting=see_waiting)
    assert waiting is False  # nothing waits for this parent
    assert _messages(engine, key) == [("in", "hello"), ("out", "turn 1"), *messages]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TurnLog)) == turns_before + with_turn
        stored = connection.execute(
            select(Conversation.state, Conversation.version).where(Conversation.id == row.id)
        ).one()
    assert cipher.decrypt(stored.state) == '{"turns": 9}' and stored.version == row.version + 1
