"""Which channels the server runs: one list, read from the settings. A new channel is a module with
a factory `channel(application) -> Channel`, added here once. The channels that can reach a parent
who did not just write register one push target here (bot/server/push.py): the console delivers
workers' replies through them, and the reminder dispatcher its reminders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio.to_thread
from fastapi import APIRouter

from bot.app import App
from bot.jobs import start_daily_jobs, start_reminder_dispatch
from bot.reminder_notifier import Push
from bot.server import console, hotline_api, telegram, webchat
from bot.server.channel import Channel, numbered
from bot.server.push import PushTarget, PushTargets, StoredReplies
from bot.server.telegram import TelegramChannel
from bot.server.wechat import WeChatChannel, wechat_channel
from core.message import Reply
from reminders.jobs import DailyJobs


@dataclass
class DailyJobsChannel:
    """Not a channel to parents: the daily jobs and the reminder dispatcher, started and stopped
    with the server. Reminders go out through the same push targets as workers' replies."""

    application: App
    targets: PushTargets
    # A channel's own reminder push instead of its push target; None: no push, reminders wait for
    # the parent's next message (the web chat: its page collects them, bot/waiting_reminders.py).
    pushes: dict[str, Push | None] = field(default_factory=dict)
    name: str = "jobs"
    jobs: list[DailyJobs] = field(default_factory=list)

    def router(self) -> APIRouter | None:
        return None

    async def start(self) -> None:
        self.jobs.append(await anyio.to_thread.run_sync(start_daily_jobs, self.application))
        built = {channel: reminder_push(self.targets, channel) for channel in self.targets.channels()}
        pushes = {channel: push for channel, push in {**built, **self.pushes}.items() if push is not None}
        self.jobs.append(start_reminder_dispatch(self.application, pushes, asyncio.get_running_loop()))

    async def stop(self) -> None:
        while self.jobs:
            self.jobs.pop().shutdown()


def reminder_push(targets: PushTargets, channel: str) -> Push:
    """A channel's push target as the reminder notifier's Push. A reply stored for the web chat's
    page is delivered (the page shows it at its next poll); no channel here takes an idempotency key."""

    async def send(user_id: str, replies: Sequence[Reply], _idempotency_key: str) -> str:
        result = await targets.deliver(f"{channel}:{user_id}", replies)
        return "sent" if result == "stored" else result

    return Push(send)


def telegram_target(channel: TelegramChannel) -> PushTarget:
    async def send(user_id: str, replies: Sequence[Reply]) -> str:
        try:
            chat_id = int(user_id)
        except ValueError:
            return "not a Telegram chat id"
        delivered = await channel.sender.deliver(chat_id, replies)
        return "sent" if delivered else "blocked"

    return send


def wechat_target(channel: WeChatChannel) -> PushTarget:
    async def send(user_id: str, replies: Sequence[Reply]) -> str:
        return await channel.deliver(user_id, [numbered(reply) for reply in replies])

    return send


def enabled_channels(application: App) -> list[Channel]:
    """Every channel the settings enable, in the order their routes are mounted."""
    push = PushTargets()
    storage = application.storage
    push.register(
        webchat.CHANNEL,
        StoredReplies(storage.sessions, storage.cipher, application.clock).target(webchat.CHANNEL),
    )
    reminder_pushes: dict[str, Push | None] = {webchat.CHANNEL: None}
    channels: list[Channel] = [DailyJobsChannel(application, push, reminder_pushes)]
    if application.settings.wechat_token:
        wechat = wechat_channel(application)
        push.register(wechat.name, wechat_target(wechat))
        reminder_pushes[wechat.name] = Push(wechat.push, reachable=wechat.reachable)
        channels.append(wechat)
    channels.append(webchat.channel(application))
    channels.append(hotline_api.channel(application))
    if application.settings.telegram_token:
        telegram_channel = telegram.channel(application)
        push.register(telegram_channel.name, telegram_target(telegram_channel))
        channels.append(telegram_channel)
    channels.append(console.channel(application, push))
    return channels
