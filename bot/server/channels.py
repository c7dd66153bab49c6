"""Which channels the server runs: one list, read from the settings. A new channel is a module with
a factory `channel(application) -> Channel`, added here once."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio.to_thread
from fastapi import APIRouter

from bot.app import App
from bot.jobs import start_daily_jobs
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

    def router(self) -> APIRouter | None:
        return None

    async def start(self) -> None:
        self.jobs.append(await anyio.to_thread.run_sync(start_daily_jobs, self.application))

    async def stop(self) -> None:
        while self.jobs:
            self.jobs.pop().shutdown()


def enabled_channels(application: App) -> list[Channel]:
    """Every channel the settings enable, in the order their routes are mounted."""
    channels: list[Channel] = [DailyJobsChannel(application)]
    if application.settings.wechat_token:
        channels.append(wechat_channel(application))
    channels.append(webchat.channel(application))
    channels.append(hotline_api.channel(application))
    if application.settings.telegram_token:
        channels.append(telegram.channel(application))
    return channels
