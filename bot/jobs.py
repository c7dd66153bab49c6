"""The recurring jobs of a running assistant, shared by the terminal chat and the server: the daily
message purge, and the reminder dispatcher's tick. Each job is idempotent, so several server
processes may tick it: the purge's second run finds nothing left to do, and dispatchers claim
reminders row by row (reminders/dispatcher.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.app import App
from bot.conversation import purge_messages
from bot.metrics import unwatch_reminders, watch_reminders
from bot.reminder_notifier import Push
from bot.reports import rollup
from bot.reports.refresh import refresh
from bot.reports.registry import Inputs
from bot.reports.summary import summarise
from bot.worker_reminders import worker_notifier
from reminders.dispatcher import Dispatcher
from reminders.jobs import DailyJobs
from reminders.quiet import QuietHours
from reminders.ratelimit import DEFAULT_RATES, RateLimits

REPORT_REFRESH_SECONDS = 3600  # the gap report's questions are scrubbed and grouped within the hour


def start_daily_jobs(application: App) -> DailyJobs:
    """The daily purge of old messages: once now (catching up), then every night; and the reports'
    summaries (bot/reports/refresh.py, the daily rollup bot/reports/rollup.py, then the stored
    reports bot/reports/summary.py) every hour."""

    def purge() -> None:
        purge_messages(application.storage.sessions, application.clock, application.settings.retention_days)

    def refresh_reports() -> None:
        data = application.data
        now = application.clock.now()
        refresh(application.storage.sessions, data.tokenizer, data.lexicon, now)
        rollup.rebuild(application.storage.sessions, now)  # first: the summaries are built from it
        inputs = Inputs(kb=data.knowledge, lexicon=data.lexicon, zone=application.clock.zone)
        summarise(application.storage.sessions, inputs, now)

    purge()
    jobs = DailyJobs(application.settings.timezone)
    jobs.add_daily("purge_messages", purge)
    jobs.add_every("refresh_reports", refresh_reports, REPORT_REFRESH_SECONDS)
    jobs.start()
    return jobs


def start_reminder_dispatch(
    application: App, pushes: Mapping[str, Push], loop: asyncio.AbstractEventLoop | None = None
) -> DailyJobs:
    """The reminder dispatcher, ticked every few seconds, sending through `pushes` (channel name ->
    push); its numbers go on /metrics."""
    settings = application.settings
    dispatcher = Dispatcher(
        application.storage.sessions,
        worker_notifier(application, pushes, loop),  # workers' visit reminders, then the parents'
        application.clock.now,
        quiet=QuietHours.parse(settings.quiet_hours),
        limits=RateLimits(DEFAULT_RATES),
    )
    watch_reminders(application.storage.sessions, application.clock.now)
    jobs = DailyJobs(settings.timezone)
    every = settings.reminder_tick_seconds

    def stop() -> None:
        dispatcher.stop()
        unwatch_reminders()

    jobs.add_every("dispatch_reminders", dispatcher.tick, every, stop=stop)
    jobs.start()
    return jobs
