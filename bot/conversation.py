"""Carrying out a turn: load the user's state, run the engine, carry out its effects through their
registered appliers, store the new state (encrypted). Two messages of one user never lose an update.

On PostgreSQL a turn is first taken without a lock, outside a transaction: the state is read, the
engine decides, and one statement stores the turn only if the conversation is still at the version
read (`_take_unlocked`). Nearly every turn ends there, in two statements. A turn with effects (they
write other tables, in the turn's transaction), a new conversation, a state that cannot be read, or
a turn that another turn of the same parent overtook is then taken under the lock (`_take_locked`:
SELECT ... FOR UPDATE, or BEGIN IMMEDIATE on SQLite, where every turn is locked), reusing what was
decided if the row did not change. A stored state that cannot be read is kept aside (bot/storage/
state_loader.py), never silently replaced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast

from sqlalchemy import Connection, Table, bindparam, create_engine, delete, select
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher
from bot.storage.appliers import build_appliers
from bot.storage.models import Conversation, MessageLog
from bot.storage.registry import ApplierRegistry, ApplyContext
from bot.storage.state_loader import LoadedState, StateLoader, StoredConversation, UnreadableStateError
from bot.storage.turn_log import family_of, turn_row
from bot.storage.turn_writes import TurnWrite, log_messages, write_turn, write_turn_if_unchanged
from bot.storage.user_data import check_declarations
from core.clock import Clock
from core.database import Base, transaction
from core.event import Event, WorkerMessage
from core.i18n import Translator
from core.message import Inbound, Reply
from dialogues.engine import Engine, Outcome
from dialogues.state import State
from dialogues.state_migration import StateMigrations, state_migrations

# The read every turn makes (unlocked, or with the lock), built once (a turn is a few milliseconds:
# building and caching the statements each time was a tenth of it). Core statements on the tables,
# run on the turn's connection (no unit of work at the commit, none of the ORM's per-statement
# work); what a turn writes at its end is in bot/storage/turn_writes.py.
_CONVERSATION = cast(Table, Conversation.__table__)
_READ = select(
    _CONVERSATION.c.id, _CONVERSATION.c.user_key, _CONVERSATION.c.state, _CONVERSATION.c.version
).where(_CONVERSATION.c.user_key == bindparam("key"))
_LOCKED = _READ.with_for_update()


class LockedConversation(StoredConversation, Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


@dataclass(frozen=True)
class Seen:
    """What a turn read without the lock (the row's id and version, its state) and decided then,
    handed to the locked turn: used as it is if the row is still at that version."""

    row_id: int
    version: int
    state: State
    now: datetime
    outcome: Outcome


@dataclass(frozen=True)
class Turn:
    """A turn's outcome, and whether reminders wait for this parent (`bot/waiting_reminders.py`),
    seen in the turn's own transaction when the channel asked."""

    outcome: Outcome
    reminders_waiting: bool = False


def user_key(event: Event) -> str:
    return f"{event.channel}:{event.user_id}"[:128]


def _said(event: Event, outcome: Outcome) -> list[tuple[str, str]]:
    """The turn's lines for the message log, as (direction, text): what the event itself said (a
    parent's words or pressed button), then the replies."""
    lines = []
    if isinstance(event, Inbound):
        lines.append(("in", event.text or f"[{event.payload or 'empty'}]"))
    direction = "worker" if isinstance(event, WorkerMessage) else "out"
    return lines + [(direction, reply.text) for reply in outcome.replies]


def state_kept_aside_notice(t: Translator) -> Reply:
    return Reply(
        t.gettext(
            "抱歉，我没能读出我们之前的对话进度，只好从头开始。之前告诉过我的情况，可能要麻烦你再说一次。"
        )
    )


def unlocked_turns(bind: SqlEngine, *, pool_size: int | None = None) -> SqlEngine | None:
    """Where a turn may be taken without a lock (`ConversationService._take_unlocked`): PostgreSQL,
    which writes a turn in one statement that checks the version, run outside a transaction
    (autocommit: no BEGIN and no COMMIT, two round trips fewer). On SQLite, where a statement costs
    no round trip and a transaction takes the process's writer lock, every turn is locked (None).

    With `pool_size`, on a pool of its own (the server's: `open_storage`, closed with it), where the
    connections stay in autocommit and are not pinged before each turn (a ping is a round trip; a
    connection found closed is replaced and the read made again, `_take_unlocked`). Without, on
    `bind`'s own pool, switched to autocommit for the turn."""
    if bind.dialect.name != "postgresql":
        return None
    if pool_size is None:
        return bind.execution_options(isolation_level="AUTOCOMMIT")
    return create_engine(bind.url, isolation_level="AUTOCOMMIT", pool_size=pool_size, max_overflow=10)


class ConversationService:
    def __init__(
        self,
        engine: Engine,
        sessions: sessionmaker[Session],
        cipher: Cipher,
        clock: Clock,
        translator: Callable[[str], Translator] = Translator,
        appliers: ApplierRegistry | None = None,
        migrations: StateMigrations | None = None,
        unlocked: SqlEngine | Literal["shared"] | None = "shared",
    ) -> None:
        """`unlocked`: where turns are taken without a lock (`unlocked_turns`), None for every turn
        locked; by default `sessions`' own engine switched to autocommit, when it is PostgreSQL."""
        check_declarations(Base)
        self.engine = engine
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.translator = translator
        self.appliers = appliers if appliers is not None else build_appliers()
        self.states = StateLoader(cipher, migrations if migrations is not None else state_migrations())
        if unlocked == "shared":
            bind = sessions.kw.get("bind")
            unlocked = unlocked_turns(bind) if isinstance(bind, SqlEngine) else None
        self.unlocked = unlocked

    def handle(self, event: Event) -> list[Reply]:
        return list(self.handle_outcome(event).replies)

    def handle_outcome(self, event: Event) -> Outcome:
        """Any event of a conversation (a parent's message, a worker's, a reminder...), losing no
        update of another turn. A redelivered message changes nothing and stores nothing."""
        return self.take(event).outcome

    def take(self, event: Event, *, look_for_waiting: bool = False) -> Turn:
        """`handle_outcome`, and with `look_for_waiting` whether reminders wait for the parent (one
        indexed read in the same transaction; a redelivered message does not look)."""
        key = user_key(event)
        seen: Seen | None = None
        if self.unlocked is not None:
            taken = self._take_unlocked(self.unlocked, key, event, look_for_waiting)
            if isinstance(taken, Turn):
                return taken
            seen = taken
        return self._take_locked(key, event, look_for_waiting, seen)

    def _take_unlocked(self, unlocked: SqlEngine, key: str, event: Event, look: bool) -> Turn | Seen | None:
        """The turn read without a lock and written only if the conversation did not change in
        between (PostgreSQL): two statements, no transaction. What it cannot finish so, it leaves
        to the locked turn: a new conversation, a state that cannot be read, a turn with effects
        (they write other tables in the turn's transaction), another turn of the same parent
        stored in between. Its outcome then goes with it (`Seen`), to be used if nothing changed."""
        for attempt in (1, 2):
            with unlocked.connect() as connection:
                try:
                    row = connection.execute(_READ, {"key": key}).one_or_none()
                except DBAPIError as error:
                    # a connection the database closed while it waited in the pool (a restart): the
                    # pool is refreshed, and the read, which changed nothing, is made once more
                    if error.connection_invalidated and attempt == 1:
                        continue
                    raise
                return self._decide_unlocked(connection, row, key, event, look)
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _decide_unlocked(
        self, connection: Connection, row: LockedConversation | None, key: str, event: Event, look: bool
    ) -> Turn | Seen | None:
        if row is None or not row.state:
            return None
        try:
            state = self.states.read(row.state)
        except UnreadableStateError:
            return None  # kept aside under the lock
        now = self.clock.now()
        outcome = self.engine.handle(state, event)
        if outcome.duplicate:
            return Turn(outcome)
        seen = Seen(row.id, row.version, state, now, outcome)
        if outcome.effects:
            return seen
        messages = self._sealed(_said(event, outcome))
        write = self._write(key, row.id, family_of(self.cipher, key), event, state, outcome, now, messages)
        waiting = write_turn_if_unchanged(connection, write, version=row.version, see_waiting=look)
        if waiting is None:  # another turn of this parent was stored first: this one again, locked
            return None
        return Turn(outcome, waiting)

    def _take_locked(self, key: str, event: Event, look_for_waiting: bool, seen: Seen | None) -> Turn:
        with transaction(self.sessions) as session:
            row = self._lock(session, key)
            if seen is not None and (row.id, row.version) == (seen.row_id, seen.version):
                now, loaded, outcome = seen.now, LoadedState(seen.state), seen.outcome
            else:
                now = self.clock.now()
                loaded = self.states.load(session, row, now)
                outcome = self.engine.handle(loaded.state, event)
            if outcome.duplicate:
                return Turn(outcome)
            messages = self._sealed(_said(event, outcome))
            connection = session.connection()
            if outcome.effects:  # what the effects do sees the turn's messages stored (/mydata counts them)
                log_messages(connection, key, messages, now)
                messages = []
            family = family_of(self.cipher, key)
            translator = self.translator(outcome.state.locale)
            context = ApplyContext(
                session, key, now, self.cipher, translator, family=family, zone=self.clock.zone
            )
            extra: list[Reply] = []
            for effect in outcome.effects:
                extra += self.appliers.apply(effect, context)
            if context.forgotten:  # every row of the user, this turn's messages included, is gone
                return Turn(replace(outcome, replies=outcome.replies + tuple(extra)))
            messages += self._sealed([("out", reply.text) for reply in extra])
            if loaded.kept_aside:
                # Said once: the next turn reads the fresh state stored below. Not logged: it is about
                # storage, not part of the conversation.
                extra.append(state_kept_aside_notice(translator))
            write = self._write(key, row.id, family, event, loaded.state, outcome, now, messages)
            waiting = write_turn(connection, write, see_waiting=look_for_waiting)
        return Turn(replace(outcome, replies=outcome.replies + tuple(extra)), waiting)

    def _lock(self, session: Session, key: str) -> LockedConversation:
        """The conversation's row, locked until the transaction ends; created when it is missing.
        A known user (nearly every turn) costs one statement, a new one three."""
        row = session.connection().execute(_LOCKED, {"key": key}).one_or_none()
        if row is not None:
            return row
        dialect = session.get_bind().dialect.name
        values = {"user_key": key, "version": 0, "state": None}
        if dialect == "postgresql":
            session.execute(
                pg_insert(Conversation).values(**values).on_conflict_do_nothing(index_elements=["user_key"])
            )
        else:
            session.execute(
                sqlite_insert(Conversation)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["user_key"])
            )
        return session.connection().execute(_LOCKED, {"key": key}).one()

    def _write(
        self,
        key: str,
        row_id: int,
        family: str,
        event: Event,
        before: State,
        outcome: Outcome,
        now: datetime,
        messages: list[tuple[str, bytes]],
    ) -> TurnWrite:
        """What the turn stores at its end, locked or not: its messages, its turn-log row (from the
        state it started from), its new state encrypted."""
        stored = self.cipher.encrypt(outcome.state.model_dump_json())
        row_of_turn = turn_row(key, family, event, before, outcome, now, self.clock.zone)
        return TurnWrite(key, row_id, stored, now, messages, row_of_turn)

    def _sealed(self, lines: list[tuple[str, str]]) -> list[tuple[str, bytes]]:
        """The turn's messages (direction, text) as the message log keeps them: encrypted."""
        encrypt = self.cipher.encrypt
        return [(direction, encrypt(text)) for direction, text in lines]


def purge_messages(sessions: sessionmaker[Session], clock: Clock, retention_days: int) -> int:
    """Delete messages older than the retention period; returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days)
    with transaction(sessions) as session:
        result = session.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
