"""The tables of key children (bot/storage/key_children.py) and of workers' Telegram links
(bot/storage/worker_telegram.py), apart from the code that uses them so that bot/storage/models.py can
register them with the others (the /mydata and /forget declarations are found through the models)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.user_data import OnForget, UserData, UserDataDeclaration
from core.database import Base
from core.i18n import N_

WORKER_CHANNEL = "worker"  # the channel of workers' reminder rows (never a parent's)
# why a key child's care ended: a worker ended it, the parent said no in the chat, the parent's /forget
END_REASONS = ("worker", "withdrawn", "forgotten")


def worker_key(worker_id: int) -> str:
    """The user key of a worker's reminder rows."""
    return f"{WORKER_CHANNEL}:{worker_id}"


class KeyChild(UserData, Base):
    """A child a worker marked as key, with the parent's consent."""

    __tablename__ = "key_child"
    # That a social worker looks after the child, and what they call the child. On /forget the name
    # and the dates are wiped and the care ended first (bot/storage/key_children.py `end_for_parent`),
    # then the row stays as an ended line under a random marker: the worker must learn that the
    # family left, and nothing left in it points to the family.
    __user_data__ = UserDataDeclaration(N_("社工重点关爱的孩子：{n}个"), OnForget.ANONYMISE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)  # the parent's conversation
    ticket_id: Mapped[int] = mapped_column(Integer)
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    worker_id: Mapped[int] = mapped_column(Integer, index=True)  # the worker responsible
    name: Mapped[bytes | None] = mapped_column(LargeBinary)  # what the worker calls the child (encrypted)
    consent_method: Mapped[str] = mapped_column(String(16))  # chat | phone | in_person
    consent_by: Mapped[int] = mapped_column(Integer)  # the worker who recorded it
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    marked_on: Mapped[date] = mapped_column(Date)
    due: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # visit kind -> ISO date due
    ended_on: Mapped[date | None] = mapped_column(Date)
    # why it ended (END_REASONS), when exactly, and which worker ended it (None: the parent)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[int | None] = mapped_column(Integer)


class KeyChildVisit(UserData, Base):
    """A contact, home visit or information update a worker recorded for a key child."""

    __tablename__ = "key_child_visit"
    # What a worker wrote about a visit to the family (encrypted): deleted.
    __user_data__ = UserDataDeclaration(N_("社工的联系和走访记录：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_child_id: Mapped[int] = mapped_column(Integer, index=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    worker_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    done_on: Mapped[date] = mapped_column(Date)
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkerTelegram(Base):
    """A worker's linked Telegram chat and their pending one-time code (a hash). The worker's own,
    not a family's data: no user key."""

    __tablename__ = "worker_telegram"

    worker_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    chat_id: Mapped[str | None] = mapped_column(String(32), index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
