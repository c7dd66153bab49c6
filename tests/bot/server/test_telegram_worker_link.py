"""A worker links their Telegram chat for visit reminders, through python-telegram-bot's request seam
(the real Application and channel, tests/bot/server/telegram_fake.py): `/link CODE` and the deep
link's `/start wk_CODE` are answered by the channel before the conversation core, so a worker's
command never becomes a parent's message (nothing logged, no conversation), and a wrong code links
nothing. A parent's own /start still reaches the core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.storage.models import Conversation, Worker
from bot.storage.worker_telegram import WorkerTelegramLinks
from core.database import transaction
from tests.bot.server.telegram_fake import message, update
from tests.bot.server.test_telegram import CHAT, logged, telegram

__all__ = ["telegram"]  # the fixture

WORKER_CHAT = 9090


def a_worker(app: Any) -> int:
    with transaction(app.storage.sessions) as session:
        worker = Worker(
            login="wang",
            display_name="王社工",
            password_hash="-",
            role="worker",
            city="xiamen",
            districts=["siming"],
            disabled=False,
            failed_logins=0,
            session_epoch=0,
            created_at=app.clock.now(),
        )
        session.add(worker)
        session.flush()
        return int(worker.id)


def conversations(app: Any) -> int:
    with app.storage.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Conversation)).scalar_one())


def test_a_workers_link_command_links_the_chat_and_never_reaches_the_core(telegram: Any) -> None:
    app, request, bot = telegram
    worker = a_worker(app)
    links = WorkerTelegramLinks(app.storage.sessions)
    code = links.new_code(worker, app.clock.now())

    bot.feed(update(message=message(WORKER_CHAT, "/link WRONGCOD")))
    assert "不对或已经过期" in request.called("sendMessage")[-1]["text"]
    assert links.chat_of(worker) is None

    bot.feed(update(message=message(WORKER_CHAT, f"/link {code}")))
    assert "绑定好了" in request.called("sendMessage")[-1]["text"]
    assert links.chat_of(worker) == WORKER_CHAT
    assert logged(app, WORKER_CHAT) == 0 and conversations(app) == 0  # not a parent's turn


def test_the_deep_link_start_links_the_chat_and_a_plain_start_is_a_parents(telegram: Any) -> None:
    app, request, bot = telegram
    worker = a_worker(app)
    links = WorkerTelegramLinks(app.storage.sessions)
    code = links.new_code(worker, app.clock.now())
    bot.feed(update(message=message(WORKER_CHAT, f"/start wk_{code}")))
    assert links.chat_of(worker) == WORKER_CHAT
    assert conversations(app) == 0

    bot.feed(update(message=message(CHAT, "/start")))
    assert "同行" in request.called("sendMessage")[-1]["text"]  # the core's welcome
    assert logged(app, CHAT) > 0
