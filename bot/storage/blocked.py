"""Chats whose user blocked the bot: recorded when the platform refuses a message (Telegram's 403),
cleared when the user writes again. A sender asks `is_blocked` before writing on its own initiative
(a reminder, a worker's message), so nothing more is sent to a parent who said no that way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import BlockedChat
from core.database import transaction


class BlockedChats:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def block(self, user_key: str, now: datetime) -> None:
        """Record the block (once: a second 403 keeps the first time)."""
        with transaction(self.sessions) as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(
                insert(BlockedChat)
                .values(user_key=user_key, blocked_at=now)
                .on_conflict_do_nothing(index_elements=["user_key"])
            )

    def unblock(self, user_key: str) -> bool:
        """The user wrote again: the block is over. True when there was one."""
        with transaction(self.sessions) as session:
            result = session.execute(delete(BlockedChat).where(BlockedChat.user_key == user_key))
            return bool(getattr(result, "rowcount", 0))

    def is_blocked(self, user_key: str) -> bool:
        with self.sessions() as session:
            found = session.scalar(select(BlockedChat.id).where(BlockedChat.user_key == user_key))
            return found is not None
