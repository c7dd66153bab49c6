"""Reminders through the running assistant: the conversation decides whether a reminder is said, the
channel's push sends it, and the table's numbers reach `tongxing reminders status` and /metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.metrics import exposition, unwatch_reminders, watch_reminders
from bot.reminder_notifier import ChannelNotifier, Push
from bot.server.channels import DailyJobsChannel
from bot.server.push import PushTargets
from core.database import make_engine, make_sessions, transaction
from core.event import ConsentWithdrawn, WorkerTakeOver
from core.message import Reply
from reminders.dispatcher import Dispatcher
from reminders.store import PlannedReminder, ReminderRow, plan
from tests.bot.test_cli import run
from tests.conftest import migrate


class RecordingPush:
    """Stands in for a platform (no Telegram or WeChat server here): records what would be sent."""

    def __init__(self, answer: str = "sent") -> None:
        self.answer = answer
        self.sent: list[tuple[str, list[str], str]] = []

    async def __call__(self, user: str, replies: Sequence[Reply], key: str) -> str:
        self.sent.append((user, [reply.text for reply in replies], key))
        return self.answer


def planned(app: App, user: str = "u1", channel: str = "test") -> None:
    now = app.clock.now()
    reminder = PlannedReminder(
        f"{channel}:{user}", channel, "vaccine", "vaccine_dose", now.date(), now - timedelta(minutes=1),
        "UTC", None, {"vaccine": "dtap", "dose": 3},
    )  # fmt: skip
    with transaction(app.storage.sessions) as session:
        plan(session, [reminder], now)


def dispatch(app: App, pushes: dict[str, Push]) -> Dispatcher:
    dispatcher = Dispatcher(app.storage.sessions, ChannelNotifier(app, pushes), app.clock.now)
    dispatcher.tick()
    return dispatcher


def statuses(app: App) -> list[str]:
    with app.storage.sessions() as session:
        return list(session.scalars(select(ReminderRow.status).order_by(ReminderRow.id)).all())


def test_a_due_reminder_is_said_in_the_conversation_and_pushed(make_app: Callable[..., App]) -> None:
    app = make_app()
    planned(app)
    push = RecordingPush()
    dispatch(app, {"test": Push(push)})
    assert statuses(app) == ["sent"]
    [(user, texts, key)] = push.sent
    assert user == "u1" and "百白破疫苗 第3剂" in texts[0] and len(key) == 40


def test_a_reminder_is_not_said_behind_a_workers_back(make_app: Callable[..., App]) -> None:
    app = make_app()
    app.conversations.handle(WorkerTakeOver("u1", "test", "w1", "社工小王"))
    planned(app)
    push = RecordingPush()
    dispatch(app, {"test": Push(push)})
    assert push.sent == [] and statuses(app) == ["deferred"]


def test_a_channel_without_push_keeps_the_reminder_waiting(make_app: Callable[..., App]) -> None:
    app = make_app()
    planned(app, channel="web")
    dispatch(app, {"test": Push(RecordingPush())})
    assert statuses(app) == ["waiting_window"]


def test_a_wechat_parent_outside_the_window_gets_it_with_the_next_reply(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    planned(app, channel="wechat")
    dispatch(app, {"wechat": Push(RecordingPush("queued"))})
    assert statuses(app) == ["waiting_window"]


def test_withdrawn_consent_cancels_pending_reminders_at_once(make_app: Callable[..., App]) -> None:
    app = make_app()
    planned(app)
    app.conversations.handle(ConsentWithdrawn("u1", "test", "reminders"))
    assert statuses(app) == ["cancelled"]


def test_status_counts_reach_metrics(make_app: Callable[..., App]) -> None:
    app = make_app()
    planned(app, "u1")
    planned(app, "u2", channel="web")
    watch_reminders(app.storage.sessions, app.clock.now)
    try:
        text = exposition().decode()
    finally:
        unwatch_reminders()
    assert 'tongxing_reminders{channel="test",kind="vaccine",status="planned"} 1.0' in text
    assert "tongxing_reminders_due_now 2.0" in text


def test_reminders_status_command_prints_the_counts(tmp_path: Path) -> None:
    engine = make_engine(migrate(f"sqlite:///{tmp_path / 'tongxing.db'}"))
    due = datetime.now(UTC) - timedelta(hours=2)
    rows = [
        PlannedReminder(
            f"wechat:u{n}", "wechat", kind, "vaccine_dose", due.date(), due, "UTC", None, {"n": n}
        )
        for n, kind in enumerate(["vaccine", "vaccine", "renewal"])
    ]
    with transaction(make_sessions(engine)) as session:
        plan(session, rows, due)
    engine.dispose()
    result = run("reminders", "status", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["by_status"] == {"planned": 3} and numbers["by_kind"] == {"renewal": 1, "vaccine": 2}
    assert numbers["due_now"] == 3 and 7000 < numbers["oldest_waiting_seconds"] < 7400
    result = run("reminders", "status", data_dir=tmp_path)
    assert "by channel: wechat 3" in result.stdout and "due now: 3" in result.stdout


def test_the_servers_jobs_tick_the_dispatcher_which_pushes_on_the_servers_loop(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    planned(app)
    push = RecordingPush()
    targets = PushTargets()  # the registry the console's replies use too (bot/server/push.py)
    targets.register("test", lambda user, replies: push(user, replies, ""))
    channel = DailyJobsChannel(app, targets)

    async def serve() -> list[str]:
        await channel.start()
        try:
            for _ in range(200):  # the first tick comes after TONGXING_REMINDER_TICK_SECONDS (5 s)
                if push.sent:
                    break
                await asyncio.sleep(0.05)
            return [name for jobs in channel.jobs for name in jobs.job_ids()]
        finally:
            await channel.stop()

    assert "dispatch_reminders" in asyncio.run(serve())
    assert len(push.sent) == 1 and statuses(app) == ["sent"]


def test_a_reminder_stored_for_the_web_chats_page_counts_as_sent_and_a_missing_channel_does_not() -> None:
    from bot.server.channels import reminder_push

    async def stored(_user: str, _replies: Sequence[Reply]) -> str:
        return "stored"  # the web chat's outbox: the page shows it at its next poll

    targets = PushTargets()
    targets.register("web", stored)
    assert asyncio.run(reminder_push(targets, "web").send("u1", [Reply("提醒")], "k")) == "sent"
    assert asyncio.run(reminder_push(targets, "wechat").send("u1", [Reply("提醒")], "k")) == "no_channel"
