"""A parent's turn on PostgreSQL is read without a lock and written only if the conversation is still
at the version it read (bot/conversation.py, bot/storage/turn_writes.py). Whatever comes between the
read and the write (another turn of the same parent, /forget, a redelivery), nothing is lost and
nothing is written twice; what the unlocked turn cannot finish is taken again under the lock."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bot import database
from bot.cipher import Cipher
from bot.conversation import ConversationService, unlocked_turns
from bot.storage.models import Conversation, MessageLog, TurnLog
from bot.storage.turn_writes import TurnWrite, write_turn_if_unchanged
from core.clock import FixedClock
from core.database import make_engine, make_sessions
from core.message import Inbound, Reply
from dialogues.engine import Outcome
from dialogues.state import State
from tests.bot.reports.test_rollup import _row
from tests.bot.test_conversation_storage import KEY, NOW, CountingEngine, _state
from tests.bot.test_turn_writes import _messages


@dataclass
class MeddlingEngine(CountingEngine):
    """Counts turns, notes which it decided; before deciding a message named in `between`, runs what
    is given for it once (another turn stored while this one is unlocked). Like the real engine, it
    answers a message id it has seen as a duplicate."""

    between: dict[str, Callable[[], object]] = field(default_factory=dict)
    decided: list[str] = field(default_factory=list)

    def handle(self, state: State, inbound: Inbound) -> Outcome:
        meddle = self.between.pop(inbound.text or "", None)
        if meddle is not None:
            meddle()
        self.decided.append(inbound.text or "")
        if inbound.message_id is not None and inbound.message_id in state.seen_messages:
            return Outcome((), (), state, duplicate=True)
        outcome = super().handle(state, inbound)
        if inbound.message_id is not None:
            outcome.state.seen_messages = [*outcome.state.seen_messages, inbound.message_id]
        return outcome


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    database.upgrade(engine)
    yield engine
    engine.dispose()


def _service(engine: Engine, dialogue: CountingEngine | None = None) -> ConversationService:
    return ConversationService(
        dialogue or MeddlingEngine(),  # type: ignore[arg-type]
        make_sessions(engine),
        Cipher(KEY),
        FixedClock(NOW),
    )


def _saying(service: ConversationService) -> Callable[[str], list[Reply]]:
    """The parent "p" saying something: the replies."""

    def say(text: str) -> list[Reply]:
        return service.handle(Inbound(user_id="p", channel="test", text=text))

    return say


def _turn_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(TurnLog)) or 0)


def test_a_turn_overtaken_by_another_of_the_same_parent_is_decided_again_on_the_newer_state(
    pg: Engine,
) -> None:
    dialogue = MeddlingEngine()
    service = _service(pg, dialogue)
    say = _saying(service)
    say("hello")
    dialogue.between["slow"] = lambda: say("quick")  # stored while "slow" is being decided
    replies = say("slow")
    assert replies[0].text == "turn 3"  # decided again after "quick": its count includes it
    assert dialogue.decided == ["hello", "quick", "slow", "slow"]
    assert _state(pg, "p").turns == 3
    assert _messages(pg, "test:p") == [
        ("in", "hello"),
        ("out", "turn 1"),
        ("in", "quick"),
        ("out", "turn 2"),
        ("in", "slow"),
        ("out", "turn 3"),
    ]  # the first decision of "slow" wrote nothing
    assert _turn_rows(pg) == 3


def test_a_turn_with_effects_is_decided_once_when_nothing_came_between(pg: Engine) -> None:
    dialogue = MeddlingEngine()
    service = _service(pg, dialogue)
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    service.handle(Inbound(user_id="p", channel="test", text="child"))  # a checklist and a ticket
    assert dialogue.decided == ["hello", "child"]
    assert _state(pg, "p").children[0].name == "小明"


def test_a_turn_with_effects_overtaken_before_its_lock_is_decided_again(pg: Engine) -> None:
    dialogue = MeddlingEngine()
    service = _service(pg, dialogue)
    say = _saying(service)
    say("hello")
    dialogue.between["child"] = lambda: say("quick")
    assert say("child")[0].text == "turn 3"
    assert dialogue.decided == ["hello", "quick", "child", "child"]
    assert _state(pg, "p").turns == 3 and len(_state(pg, "p").children) == 1


def test_a_message_redelivered_while_its_first_delivery_is_unlocked_is_answered_once(pg: Engine) -> None:
    """The platform sends the same message again (same id) while the first is being decided: one of
    them is stored, the other changes nothing."""
    dialogue = MeddlingEngine()
    service = _service(pg, dialogue)
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    first = Inbound(user_id="p", channel="test", text="again", message_id="m-1")
    again: list[Outcome] = []
    dialogue.between["again"] = lambda: again.append(service.handle_outcome(first))
    outcome = service.handle_outcome(first)
    assert not again[0].duplicate and outcome.duplicate  # decided again on the newer state: seen
    assert _state(pg, "p").turns == 2
    assert [direction for direction, _ in _messages(pg, "test:p")] == ["in", "out", "in", "out"]


def test_a_parent_who_forgot_between_the_read_and_the_write_starts_afresh(pg: Engine) -> None:
    dialogue = MeddlingEngine()
    service = _service(pg, dialogue)
    say = _saying(service)
    say("hello")
    say("hello")
    dialogue.between["late"] = lambda: say("forget")  # every row of the parent deleted
    assert say("late")[0].text == "turn 1"  # a new conversation: nothing of the old one is back
    assert _state(pg, "p").turns == 1
    assert _messages(pg, "test:p") == [("in", "late"), ("out", "turn 1")]


def test_many_turns_of_one_parent_at_once_are_each_stored_once(pg: Engine) -> None:
    """Threads of one process racing on one parent (the unlocked reads see the same version, the
    writes then conflict and fall back to the lock): every turn counted, every message logged once."""
    service = _service(pg)
    service.handle(Inbound(user_id="p", channel="test", text="hello"))
    errors: list[BaseException] = []

    def send(thread: int) -> None:
        try:
            for number in range(10):
                service.handle(Inbound(user_id="p", channel="test", text=f"t{thread}-{number}"))
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=send, args=(thread,)) for thread in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert _state(pg, "p").turns == 61
    said = _messages(pg, "test:p")
    assert len(said) == 122 and len({text for direction, text in said if direction == "in"}) == 61
    outs = [int(text.split()[1]) for direction, text in said if direction == "out"]
    assert sorted(outs) == list(range(1, 62))  # each count said once: no two turns read the same state
    assert _turn_rows(pg) == 61


def test_a_turn_on_a_connection_the_database_closed_while_idle_is_read_again_on_a_fresh_one(
    pg: Engine,
) -> None:
    """The server's pool of unlocked turns does not ping before each turn: after PostgreSQL closed
    its connections (a restart), the first read fails, and is made again on a new connection."""
    pool = unlocked_turns(pg, pool_size=2)
    assert pool is not None
    try:
        dialogue = MeddlingEngine()
        service = ConversationService(
            dialogue,  # type: ignore[arg-type]
            make_sessions(pg),
            Cipher(KEY),
            FixedClock(NOW),
            unlocked=pool,
        )
        say = _saying(service)
        say("hello")
        say("again")  # the pool now holds an idle connection
        with pg.connect() as connection:
            closed = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        assert closed
        assert say("after")[0].text == "turn 3"
        assert dialogue.decided == ["hello", "again", "after"]  # decided once: the read was redone
        assert _state(pg, "p").turns == 3
    finally:
        pool.dispose()


def test_on_sqlite_every_turn_takes_the_lock(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/t.db")
    try:
        assert unlocked_turns(engine) is None
        assert unlocked_turns(engine, pool_size=2) is None
    finally:
        engine.dispose()


_SHAPES = st.fixed_dictionaries(
    {
        "messages": st.integers(min_value=0, max_value=6),
        "with_turn": st.booleans(),
        "see_waiting": st.booleans(),
        "stale": st.booleans(),
    }
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=_SHAPES)
def test_a_versioned_write_writes_all_of_its_rows_or_none(pg: Engine, shape: dict[str, object]) -> None:
    """Every shape of the one-statement write: at the version read, the messages in order, the turn's
    row and the state; at a stale version, not one row."""
    cipher = Cipher(KEY)
    user = f"v{uuid.uuid4().hex[:12]}"
    _service(pg).handle(Inbound(user_id=user, channel="test", text="hello"))
    key = f"test:{user}"
    with pg.connect() as connection:
        row = connection.execute(
            select(Conversation.id, Conversation.version).where(Conversation.user_key == key)
        ).one()
    turns_before, logged_before = _turn_rows(pg), len(_messages(pg, key))
    said = [("out", f"line {number}") for number in range(int(shape["messages"]))]  # type: ignore[call-overload]
    write = TurnWrite(
        key,
        row.id,
        cipher.encrypt('{"turns": 7}'),
        NOW,
        [(direction, cipher.encrypt(text)) for direction, text in said],
        _row("e" * 32, NOW, ("hainan", None, None), intent="greet") if shape["with_turn"] else None,
    )
    version = row.version - 1 if shape["stale"] else row.version
    with pg.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        result = write_turn_if_unchanged(
            connection, write, version=version, see_waiting=bool(shape["see_waiting"])
        )
    with pg.connect() as connection:
        stored = connection.execute(
            select(Conversation.state, Conversation.version).where(Conversation.id == row.id)
        ).one()
    if shape["stale"]:
        assert result is None
        assert _messages(pg, key) == [("in", "hello"), ("out", "turn 1")]
        assert _turn_rows(pg) == turns_before and stored.version == row.version
        return
    assert result is False  # nothing waits for this parent
    assert _messages(pg, key)[logged_before:] == said
    assert _turn_rows(pg) == turns_before + bool(shape["with_turn"])
    assert cipher.decrypt(stored.state) == '{"turns": 7}' and stored.version == row.version + 1


def test_a_versioned_write_refuses_a_value_too_long_for_its_column(pg: Engine) -> None:
    """Its values are cast to unsized types, so a value too long fails as in a plain INSERT rather
    than being cut short."""
    cipher = Cipher(KEY)
    _service(pg).handle(Inbound(user_id="long", channel="test", text="hello"))
    with pg.connect() as connection:
        row = connection.execute(
            select(Conversation.id, Conversation.version).where(Conversation.user_key == "test:long")
        ).one()
    turn = _row("e" * 32, NOW, ("hainan", None, None), intent="greet")
    turn["service"] = "s" * 200
    write = TurnWrite("test:long", row.id, cipher.encrypt("{}"), NOW, (), turn)
    autocommit = pg.connect().execution_options(isolation_level="AUTOCOMMIT")
    with pytest.raises(Exception, match="too long"), autocommit as connection:
        write_turn_if_unchanged(connection, write, version=row.version, see_waiting=False)
    with pg.connect() as connection:  # nothing of it stored
        assert connection.scalar(select(Conversation.version).where(Conversation.id == row.id)) == row.version
        assert connection.scalar(select(func.count()).select_from(MessageLog)) == 2
