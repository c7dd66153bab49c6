"""Carrying out a turn: load the user's state under a lock, run the engine, carry out its effects
through their registered appliers, store the new state (encrypted). Two messages of one user never
lose an update: the conversation row is locked (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE
on SQLite) for the whole turn. A stored state that cannot be read is kept aside (bot/storage/
state_loader.py), never silently replaced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher
from bot.storage.appliers import build_appliers
from bot.storage.models import Conversation, MessageLog
from bot.storage.registry import ApplierRegistry, ApplyContext
from bot.storage.state_loader import StateLoader, StoredConversation
from bot.storage.turn_log import family_of, turn_row
from bot.storage.turn_writes import TurnWrite, log_messages, write_turn
from bot.storage.user_data import check_declarations
from core.clock import Clock
from core.database import Base, transaction
from core.event import Event, WorkerMessage
from core.i18n import Translator
from core.message import Inbound, Reply
from dialogues.engine import Engine, Outcome
from dialogues.state_migration import StateMigrations, state_migrations

# The lock every turn takes, built once (a turn is a few milliseconds: building and caching the
# statements each time was a tenth of it). Core statements on the tables, run on the session's
# connection (no unit of work at the commit, none of the ORM's per-statement work); what a turn
# writes at its end is in bot/storage/turn_writes.py.
_CONVERSATION = cast(Table, Conversation.__table__)
_LOCKED = (
    select(_CONVERSATION.c.id, _CONVERSATION.c.user_key, _CONVERSATION.c.state)
    .where(_CONVERSATION.c.user_key == bindparam("key"))
    .with_for_update()
)


class LockedConversation(StoredConversation, Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class Turn:
    """A turn's outcome, and whether reminders wait for this parent (`bot/waiting_reminders.py`),
    seen in the turn's own transaction when the channel asked."""

    outcome: Outcome
    reminders_waiting: bool = False


def user_key(event: Event) -> str:
    return f"{event.channel}:{event.user_id}"[:128]


def _logged_input(event: Event) -> str | None:
    """What the message log keeps of the event itself: a parent's words or pressed button."""
    if isinstance(event, Inbound):
        return event.text or f"[{event.payload or 'empty'}]"
    return None


def state_kept_aside_notice(t: Translator) -> Reply:
    return Reply(
        t.gettext(
            "抱歉，我没能读出我们之前的对话进度，只好从头开始。之前告诉过我的情况，可能要麻烦你再说一次。"
        )
    )


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
    ) -> None:
        check_declarations(Base)
        self.engine = engine
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock
        self.translator = translator
        self.appliers = appliers if appliers is not None else build_appliers()
        self.states = StateLoader(cipher, migrations if migrations is not None else state_migrations())

    def handle(self, event: Event) -> list[Reply]:
        return list(self.handle_outcome(event).replies)

    def handle_outcome(self, event: Event) -> Outcome:
        """Any event of a conversation (a parent's message, a worker's, a reminder...), under the lock.
        A redelivered message changes nothing and stores nothing."""
        return self.take(event).outcome

    def take(self, event: Event, *, look_for_waiting: bool = False) -> Turn:
        """`handle_outcome`, and with `look_for_waiting` whether reminders wait for the parent (one
        indexed read in the same transaction; a redelivered message does not look)."""
        key = user_key(event)
        with transaction(self.sessions) as session:
            row = self._lock(session, key)
            now = self.clock.now()
            loaded = self.states.load(session, row, now)
            outcome = self.engine.handle(loaded.state, event)
            if outcome.duplicate:
                return Turn(outcome)
            said = _logged_input(event)
            direction = "worker" if isinstance(event, WorkerMessage) else "out"
            lines = [("in", said)] if said is not None else []
            messages = self._sealed(lines + [(direction, reply.text) for reply in outcome.replies])
            connection = session.connection()
            if outcome.effects:  # what the effects do sees the turn's messages stored (/mydata counts them)
                log_messages(connection, key, messages, now)
                messages = []
            family = family_of(self.cipher, key)
            row_of_turn = turn_row(key, family, event, loaded.state, outcome, now, self.clock.zone)
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
            stored = self.cipher.encrypt(outcome.state.model_dump_json())
            write = TurnWrite(key, row.id, stored, now, messages, row_of_turn)
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
