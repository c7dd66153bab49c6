"""A worker's Telegram chat, for their visit reminders: the console shows a one-time code (valid 15
minutes, stored only as a hash); the worker sends `/link CODE` to the bot, or opens the deep link
t.me/<bot>?start=wk_CODE; the Telegram channel sees the command before the conversation core (a
worker's /link is never a parent's message) and stores the chat id here.

A worker's chat id is the worker's own, not a family's data: no user key, nothing for /forget."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.key_child_models import WorkerTelegram, worker_key
from core.database import transaction
from reminders.store import wake_waiting

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a screen and typed
CODE_LENGTH = 8
CODE_LIFE = timedelta(minutes=15)
DEEP_LINK_PREFIX = "wk_"
_LINK = re.compile(r"^/link(?:\s+(\S+))?\s*$", re.IGNORECASE)
_START = re.compile(rf"^/start\s+{DEEP_LINK_PREFIX}(\S+)\s*$", re.IGNORECASE)


def link_command(text: str) -> str | None:
    """The code of a worker's link command ("" for /link without one), or None when the text is not
    one: `/link CODE`, `/start wk_CODE` (a parent's plain /start is not)."""
    stripped = text.strip()
    for pattern in (_LINK, _START):
        found = pattern.match(stripped)
        if found:
            return normalise(found.group(1) or "")
    return None


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()[:32]


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


class WorkerTelegramLinks:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def new_code(self, worker_id: int, now: datetime) -> str:
        """A fresh one-time code for this worker (an earlier one stops working)."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        with transaction(self.sessions) as session:
            row = session.get(WorkerTelegram, worker_id)
            if row is None:
                row = WorkerTelegram(worker_id=worker_id)
                session.add(row)
            row.code_hash = _hash(code)
            row.code_expires_at = now + CODE_LIFE
        return code

    def link(self, code: str, chat_id: int, now: datetime) -> int | None:
        """The worker whose live code this is, now linked to `chat_id` (the code is used up; the chat
        is unlinked from any other worker); None for a wrong or expired code."""
        if not code:
            return None
        with transaction(self.sessions) as session:
            row = session.scalars(
                select(WorkerTelegram).where(WorkerTelegram.code_hash == _hash(code)).with_for_update()
            ).first()
            if row is None or row.code_expires_at is None or _aware(row.code_expires_at, now) < now:
                return None
            session.execute(
                update(WorkerTelegram)
                .where(WorkerTelegram.chat_id == str(chat_id), WorkerTelegram.worker_id != row.worker_id)
                .values(chat_id=None, linked_at=None)
                .execution_options(synchronize_session=False)
            )
            row.chat_id = str(chat_id)
            row.code_hash = None
            row.code_expires_at = None
            row.linked_at = now
            # what waited for a link goes out now
            wake_waiting(session, worker_key(row.worker_id), now.astimezone(UTC))
            return row.worker_id

    def unlink(self, worker_id: int) -> None:
        with transaction(self.sessions) as session:
            row = session.get(WorkerTelegram, worker_id)
            if row is not None:
                row.chat_id = None
                row.linked_at = None

    def chat_of(self, worker_id: int) -> int | None:
        with self.sessions() as session:
            found = session.scalar(
                select(WorkerTelegram.chat_id).where(WorkerTelegram.worker_id == worker_id)
            )
        return int(found) if found else None

    def linked_at(self, worker_id: int) -> datetime | None:
        with self.sessions() as session:
            row = session.get(WorkerTelegram, worker_id)
            return row.linked_at if row is not None and row.chat_id else None
