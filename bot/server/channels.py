"""Which channels the server runs: one list, read from the settings. A new channel is a module with
a factory `channel(application) -> Channel`, added here once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import anyio.to_thread
from fastapi import APIRouter

from bot.app import App
from bot.jobs import start_daily_jobs, start_reminder_dispatch
from bot.reminder_notifier import Push
from bot.server import hotline_api, telegram, webchat
from bot.server.channel import Channel
from bot.server.wechat import wechat_channel
from reminders.jobs import DailyJobs


@dataclass
class DailyJobsChannel:
    """Not a channel to parents: the daily jobs, started and stopped with the server."""

    application: App
    name: str = "jobs"
    jobs: list[DailyJobs] = field(default_factory=list)
    pushes: dict[str, Push] = field(default_factory=dict)  # channel -> its push, for reminders

    def router(self) -> APIRouter | None:
        return None

    async def start(self) -> None:
        self.jobs.append(await anyio.to_thread.run_sync(start_daily_jobs, self.application))
        self.jobs.append(start_reminder_dispatch(self.application, self.pushes, asyncio.get_running_loop()))

    async def stop(self) -> None:
        while self.jobs:
            self.jobs.pop().shutdown()


def enabled_channels(application: App) -> list[Channel]:
    """Every channel the settings enable, in the order their routes are mounted."""
    jobs = DailyJobsChannel(application)
    channels: list[Channel] = [jobs]
    if application.settings.wechat_token:
        wechat = wechat_channel(application)
        jobs.pushes["wechat"] = Push(wechat.push)
        channels.append(wechat)
    channels.append(webchat.channel(application))
    channels.append(hotline_api.channel(application))
    if application.settings.telegram_token:
        bot = telegram.channel(application)
        jobs.pushes["telegram"] = Push(bot.push)
        channels.append(bot)
    return channels
