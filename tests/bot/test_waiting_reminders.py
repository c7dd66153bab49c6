"""Reminders that wait for the parent's next message: on the web chat (its page cannot be written to:
the reminder comes in the answer to the page's next poll or message, marked then), and on PostgreSQL
with two processes answering the same parent at once (each reminder is said by one of them, once)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import App
from bot.reminder_notifier import ChannelNotifier
from bot.server import webchat
from bot.server.app import create_server
from bot.server.channels import DailyJobsChannel
from bot.storage.models import Conversation
from bot.waiting_reminders import WaitingReminders
from core.database import transaction
from core.message import Inbound
from reminders.dispatcher import Dispatcher
from reminders.store import PlannedReminder, ReminderRow, plan
from tests.conftest import TODAY

LABEL = "百白破疫苗 第1剂"


def reminders_for(app: App, user_key: str, days: list[date], at: datetime) -> None:
    """DTaP dose 1, once per day given (the parameters keep the rows apart)."""
    channel = user_key.partition(":")[0]
    rows = [
        PlannedReminder(
            user_key,
            channel,
            "vaccine",
            "vaccine_dose",
            day,
            at,
            "UTC",
            None,
            {"vaccine": "dtap", "dose": 1, "n": n},
        )
        for n, day in enumerate(days)
    ]
    with transaction(app.storage.sessions) as session:
        plan(session, rows, app.clock.now())


def statuses(app: App) -> list[str]:
    with app.storage.sessions() as session:
        return list(session.scalars(select(ReminderRow.status).order_by(ReminderRow.id)))


def texts(answer: dict[str, object]) -> str:
    return "\n".join(reply["text"] for reply in answer["replies"])  # type: ignore[attr-defined]


def test_the_server_gives_the_web_chat_no_reminder_push(make_app: Callable[..., App]) -> None:
    from bot.server.channels import enabled_channels

    jobs = next(c for c in enabled_channels(make_app()) if isinstance(c, DailyJobsChannel))
    assert jobs.pushes[webchat.CHANNEL] is None  # its page collects them: nothing is marked before


def test_a_web_chat_reminder_comes_with_the_pages_next_poll_marked_late_once(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    with TestClient(create_server(app, channels=[webchat.channel(app)])) as client:
        client.post("/chat/api/message", json={"message_id": uuid.uuid4().hex, "text": "你好"})
        with app.storage.sessions() as session:
            user_key = session.scalar(select(Conversation.user_key))
        assert user_key is not None and user_key.startswith("web:")
        yesterday = (TODAY - timedelta(days=1)).date()
        reminders_for(app, user_key, [yesterday], TODAY.replace(tzinfo=UTC) - timedelta(hours=20))
        Dispatcher(app.storage.sessions, ChannelNotifier(app, {}), app.clock.now).tick()
        assert statuses(app) == ["waiting_window"]
        polled = client.get("/chat/api/inbox").json()
        again = client.get("/chat/api/inbox").json()
    assert LABEL in texts(polled) and again["replies"] == []
    assert statuses(app) == ["late"]


def test_a_web_chat_reminder_comes_with_the_answer_to_the_parents_message(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    with TestClient(create_server(app, channels=[webchat.channel(app)])) as client:
        client.post("/chat/api/message", json={"message_id": uuid.uuid4().hex, "text": "你好"})
        with app.storage.sessions() as session:
            user_key = session.scalar(select(Conversation.user_key))
        assert user_key is not None
        reminders_for(app, user_key, [TODAY.date()], TODAY.replace(tzinfo=UTC) - timedelta(minutes=5))
        Dispatcher(app.storage.sessions, ChannelNotifier(app, {}), app.clock.now).tick()
        answer = client.post(
            "/chat/api/message", json={"message_id": uuid.uuid4().hex, "text": "在吗"}
        ).json()
    assert LABEL in texts(answer) and statuses(app) == ["sent"]


def test_two_processes_answering_one_parent_say_each_waiting_reminder_once_on_postgres(
    make_app: Callable[..., App], postgres_url: str
) -> None:
    first = make_app(postgres_url)
    second = make_app(postgres_url)  # another process: its own engine and sessions, the same database
    user_key = "web:parent-two-processes"
    days = [(TODAY - timedelta(days=n)).date() for n in range(40)]
    reminders_for(first, user_key, days, TODAY.replace(tzinfo=UTC) - timedelta(days=1))
    Dispatcher(first.storage.sessions, ChannelNotifier(first, {}), first.clock.now).tick()
    assert set(statuses(first)) == {"waiting_window"}
    results: dict[str, int] = {}
    start = threading.Barrier(2)

    def take(name: str, app: App) -> None:
        start.wait()
        results[name] = sum(
            LABEL.split(" ")[0] in reply.text for reply in WaitingReminders(app).take(user_key)
        )

    threads = [threading.Thread(target=take, args=(name, app)) for name, app in (("a", first), ("b", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results.values()) == len(days), results
    assert statuses(second).count("late") + statuses(second).count("sent") == len(days)


def test_a_turn_sees_in_its_own_transaction_whether_reminders_wait_for_the_parent(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    user_key = "web:parent-looking"

    def message(message_id: str) -> Inbound:
        return Inbound(user_id="parent-looking", channel="web", text="在吗", message_id=message_id)

    assert not app.conversations.take(message("m1"), look_for_waiting=True).reminders_waiting
    reminders_for(app, user_key, [TODAY.date()], TODAY.replace(tzinfo=UTC) - timedelta(minutes=5))
    Dispatcher(app.storage.sessions, ChannelNotifier(app, {}), app.clock.now).tick()
    assert statuses(app) == ["waiting_window"]
    assert not app.conversations.take(message("m2")).reminders_waiting  # only when the channel asks
    assert app.conversations.take(message("m3"), look_for_waiting=True).reminders_waiting
    redelivered = app.conversations.take(message("m3"), look_for_waiting=True)
    assert redelivered.outcome.duplicate and not redelivered.reminders_waiting
    WaitingReminders(app).take(user_key)
    assert not app.conversations.take(message("m4"), look_for_waiting=True).reminders_waiting
