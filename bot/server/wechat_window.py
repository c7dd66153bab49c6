"""WeChat's 48-hour window, stored: an account may send a customer-service message to a parent only
within 48 hours of the parent's last message (or menu click, or follow). Each parent's last
inbound time and whether they unfollowed live in `wechat_contact`; messages that cannot be sent
wait in `wechat_outbox` (encrypted) until the parent writes again and go out with that reply.
The conversation core never sees any of this (dialogues/ knows no platform)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher
from bot.storage.models import WeChatContact, WeChatOutbox
from core.clock import Clock
from core.database import transaction

WINDOW = timedelta(hours=48)


@dataclass(frozen=True)
class Contact:
    last_inbound_at: datetime | None
    unsubscribed: bool


class WindowStore:
    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher, clock: Clock) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock

    def saw_parent(self, user_key: str) -> None:
        """The parent wrote (or followed, or clicked the menu): the window opens for 48 hours."""
        self._upsert(user_key, {"last_inbound_at": self.clock.now(), "unsubscribed": False})

    def unsubscribed(self, user_key: str) -> None:
        """The parent unfollowed: nothing more is sent (queued messages wait, in case they return)."""
        self._upsert(user_key, {"unsubscribed": True})

    def contact(self, user_key: str) -> Contact:
        with self.sessions() as session:
            row = session.scalars(select(WeChatContact).where(WeChatContact.user_key == user_key)).first()
            if row is None:
                return Contact(None, False)
            return Contact(row.last_inbound_at, row.unsubscribed)

    def may_send(self, user_key: str) -> bool:
        """Whether a customer-service message may go out now."""
        contact = self.contact(user_key)
        if contact.unsubscribed or contact.last_inbound_at is None:
            return False
        last = contact.last_inbound_at
        if last.tzinfo is None:  # SQLite returns naive UTC
            last = last.replace(tzinfo=self.clock.now().tzinfo)
        return self.clock.now() - last < WINDOW

    def queue(self, user_key: str, texts: list[str]) -> None:
        with transaction(self.sessions) as session:
            for text in texts:
                session.add(
                    WeChatOutbox(
                        user_key=user_key, body=self.cipher.encrypt(text), created_at=self.clock.now()
                    )
                )

    def take_queued(self, user_key: str) -> list[str]:
        """The waiting messages, oldest first, removed; each is taken by one caller only."""
        taken: list[str] = []
        with transaction(self.sessions) as session:
            rows = session.scalars(
                select(WeChatOutbox).where(WeChatOutbox.user_key == user_key).order_by(WeChatOutbox.id)
            ).all()
            for row in rows:
                result = session.execute(delete(WeChatOutbox).where(WeChatOutbox.id == row.id))
                if getattr(result, "rowcount", 0) == 1:
                    taken.append(self.cipher.decrypt(row.body))
        return taken

    def _upsert(self, user_key: str, values: dict[str, object]) -> None:
        with transaction(self.sessions) as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            first = {"user_key": user_key, "last_inbound_at": self.clock.now(), "unsubscribed": False}
            statement = insert(WeChatContact).values(**{**first, **values})
            session.execute(statement.on_conflict_do_update(index_elements=["user_key"], set_=values))
