"""Recurring jobs (the daily message purge, the reminder dispatcher's tick), ticked by APScheduler.

APScheduler only ticks: every job's state lives in the database, so a missed tick
(a restart, a sleeping laptop) is caught up by the next one.
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import DEFAULT_TIMEZONE


class DailyJobs:
    """Daily jobs at a wall-clock time in `timezone` (an IANA name: the settings' TONGXING_TIMEZONE)."""

    def __init__(self, timezone: str = DEFAULT_TIMEZONE) -> None:
        self._timezone = timezone
        self._scheduler = BackgroundScheduler(timezone=timezone)
        self._on_shutdown: list[Callable[[], object]] = []

    def add_daily(self, name: str, job: Callable[[], object], hour: int = 3, minute: int = 30) -> None:
        """Run `job` every day at hour:minute (local time); a run missed by up to an hour still runs."""
        self._scheduler.add_job(
            job,
            CronTrigger(hour=hour, minute=minute, timezone=self._timezone),
            id=name,
            name=name,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=3600,
        )

    def add_every(
        self, name: str, job: Callable[[], object], seconds: float, stop: Callable[[], object] | None = None
    ) -> None:
        """Run `job` every `seconds` (the reminder dispatcher's tick); a run still going when the next
        falls due makes that one wait: never two at once. `stop` asks a running job to finish."""
        if stop is not None:
            self._on_shutdown.append(stop)
        self._scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds, timezone=self._timezone),
            id=name,
            name=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def next_run(self, name: str) -> object:
        job = self._scheduler.get_job(name)
        return job.next_run_time if job else None

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        for stop in self._on_shutdown:
            stop()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
