"""The daily jobs: registered once per name, every night in the configured zone (China time by default)."""

from __future__ import annotations

from reminders.jobs import DailyJobs


def test_daily_job_is_registered_once_and_scheduled_for_the_night() -> None:
    jobs = DailyJobs()
    calls: list[int] = []
    jobs.add_daily("purge_messages", lambda: calls.append(1))
    jobs.add_daily("purge_messages", lambda: calls.append(2))  # replaces, never doubles
    jobs.start()
    try:
        assert jobs.job_ids() == ["purge_messages"]
        next_run = jobs.next_run("purge_messages")
        assert next_run is not None
        assert (next_run.hour, next_run.minute) == (3, 30)  # type: ignore[attr-defined]
        assert str(next_run.tzinfo) == "Asia/Shanghai"  # type: ignore[attr-defined]
    finally:
        jobs.shutdown()


def test_daily_jobs_run_at_night_in_the_configured_zone() -> None:
    jobs = DailyJobs("Asia/Urumqi")
    jobs.add_daily("purge_messages", lambda: None)
    jobs.start()
    try:
        next_run = jobs.next_run("purge_messages")
        assert (next_run.hour, next_run.minute) == (3, 30)  # type: ignore[attr-defined]
        assert str(next_run.tzinfo) == "Asia/Urumqi"  # type: ignore[attr-defined]
    finally:
        jobs.shutdown()
