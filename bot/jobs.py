"""The daily jobs of a running assistant (the message purge; reminder dispatch joins later), shared
by the terminal chat and the server. Each job is idempotent, so several server processes may tick
it: the second run finds nothing left to do."""

from __future__ import annotations

from bot.app import App
from bot.conversation import purge_messages
from reminders.jobs import DailyJobs


def start_daily_jobs(application: App) -> DailyJobs:
    """The daily purge of old messages: once now (catching up), then every night."""

    def purge() -> None:
        purge_messages(application.storage.sessions, application.clock, application.settings.retention_days)

    purge()
    jobs = DailyJobs(application.settings.timezone)
    jobs.add_daily("purge_messages", purge)
    jobs.start()
    return jobs
