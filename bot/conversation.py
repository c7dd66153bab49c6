"""Carrying out a turn: load the user's state under a lock, run the engine, carry out its effects,
store the new state (encrypted). Two messages of one user never lose an update: the conversation
row is locked (SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) for the whole turn."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher, CipherError
from bot.models import (
    ConsentRecord,
    Conversation,
    HandoffTicket,
    MessageLog,
    StoredChecklist,
    UnansweredQuestion,
)
from core.clock import Clock
from core.database import transaction
from core.message import Inbound, Reply
from dialogues.effect import (
    CancelChildPlans,
    DeleteUserData,
    Effect,
    OpenHandoff,
    RecordConsent,
    RecordGap,
    StoreChecklist,
)
from dialogues.engine import Engine, Outcome
from dialogues.state import State


def user_key(inbound: Inbound) -> str:
    return f"{inbound.channel}:{inbound.user_id}"[:128]


class ConversationService:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session], cipher: Cipher, clock: Clock) -> None:
        self.engine = engine
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock

    def handle(self, inbound: Inbound) -> list[Reply]:
        return list(self.handle_outcome(inbound).replies)

    def handle_outcome(self, inbound: Inbound) -> Outcome:
        key = user_key(inbound)
        with transaction(self.sessions) as session:
            row = self._lock(session, key)
            state = self._load_state(row)
            outcome = self.engine.handle(state, inbound)
            now = self.clock.now()
            deleting = any(isinstance(effect, DeleteUserData) for effect in outcome.effects)
            if not deleting:
                self._log(session, key, "in", inbound.text or f"[{inbound.payload or 'empty'}]", now)
                for reply in outcome.replies:
                    self._log(session, key, "out", reply.text, now)
            for effect in outcome.effects:
                self._carry_out(session, key, effect, now)
            if deleting:
                session.execute(delete(Conversation).where(Conversation.user_key == key))
            else:
                row.state = self.cipher.encrypt(outcome.state.model_dump_json())
                row.version += 1
                row.updated_at = now
        return outcome

    def _lock(self, session: Session, key: str) -> Conversation:
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
        row = session.scalars(
            select(Conversation).where(Conversation.user_key == key).with_for_update()
        ).one()
        return row

    def _load_state(self, row: Conversation) -> State:
        if not row.state:
            return State()
        try:
            return State.model_validate_json(self.cipher.decrypt(row.state))
        except (CipherError, ValueError):
            # Unreadable state (a changed key or an old format) must not stop the conversation; the
            # conversation restarts and nothing else stored is touched.
            return State()

    def _log(self, session: Session, key: str, direction: str, text: str, now: datetime) -> None:
        session.add(
            MessageLog(user_key=key, direction=direction, body=self.cipher.encrypt(text), created_at=now)
        )

    def _carry_out(self, session: Session, key: str, effect: Effect, now: datetime) -> None:
        if isinstance(effect, OpenHandoff):
            session.add(
                HandoffTicket(
                    user_key=key,
                    reason=effect.reason,
                    urgency=effect.urgency,
                    status="open",
                    province=effect.province,
                    city=effect.city,
                    district=effect.district,
                    summary=self.cipher.encrypt(effect.summary),
                    created_at=now,
                )
            )
        elif isinstance(effect, RecordConsent):
            session.add(
                ConsentRecord(user_key=key, purpose=effect.purpose, granted=effect.granted, created_at=now)
            )
        elif isinstance(effect, RecordGap):
            session.add(
                UnansweredQuestion(
                    text=effect.text, channel=key.split(":", 1)[0], province=effect.province, city=effect.city
                )
            )
        elif isinstance(effect, StoreChecklist):
            session.execute(
                update(StoredChecklist)
                .where(StoredChecklist.user_key == key, StoredChecklist.flow_id == effect.flow_id)
                .values(active=False)
            )
            session.add(
                StoredChecklist(
                    user_key=key,
                    flow_id=effect.flow_id,
                    child_ref=effect.child_id,
                    body=self.cipher.encrypt(
                        json.dumps({"title": effect.title, "lines": list(effect.lines)}, ensure_ascii=False)
                    ),
                    dates=self.cipher.encrypt(json.dumps(list(effect.dates), ensure_ascii=False)),
                    active=True,
                    created_at=now,
                )
            )
        elif isinstance(effect, CancelChildPlans):
            session.execute(
                update(StoredChecklist)
                .where(StoredChecklist.user_key == key, StoredChecklist.child_ref == effect.child_id)
                .values(active=False)
            )
        elif isinstance(effect, DeleteUserData):
            for table in (MessageLog, StoredChecklist, HandoffTicket, ConsentRecord):
                session.execute(delete(table).where(table.user_key == key))


def purge_messages(sessions: sessionmaker[Session], clock: Clock, retention_days: int) -> int:
    """Delete messages older than the retention period; returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days)
    with transaction(sessions) as session:
        result = session.execute(delete(MessageLog).where(MessageLog.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
