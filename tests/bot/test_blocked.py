"""Blocked chats: recorded once (the first time kept), lifted when the user writes again, per user.
Run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import database
from bot.storage.blocked import BlockedChats
from bot.storage.models import BlockedChat
from core.database import make_sessions
from tests.bot.scripted_engine import NOW


def test_a_block_is_recorded_once_and_lifted_by_the_users_next_message(engine: Engine) -> None:
    database.upgrade(engine)
    sessions = make_sessions(engine)
    blocked = BlockedChats(sessions)
    blocked.block("telegram:1", NOW)
    blocked.block("telegram:1", NOW + timedelta(hours=1))  # a second 403 keeps the first time
    assert blocked.is_blocked("telegram:1") and not blocked.is_blocked("telegram:2")
    with sessions() as session:
        assert [
            row.blocked_at.replace(tzinfo=NOW.tzinfo) for row in session.scalars(select(BlockedChat))
        ] == [NOW]
    assert blocked.unblock("telegram:1") is True
    assert blocked.unblock("telegram:1") is False
    assert not blocked.is_blocked("telegram:1")
