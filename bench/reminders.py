"""Reminder delivery at scale (issue 13): plan and store many reminders, dispatch the due ones to a
null channel with two dispatcher processes and with a 30 messages/s limit; time, rate and memory.

On PostgreSQL (a fresh database on TONGXING_TEST_POSTGRES_URL's server, dropped afterwards) when it
answers, else on SQLite (one dispatcher: SQLite serialises writers). Defaults are small; `--full`
asks for the issue's sizes (1,000,000 planned, 100,000 dispatched; the limited run sends 3,000,
which at 30/s takes 100 s: 100,000 would take 55 minutes and measures nothing more).

Memory: the dispatcher streams batches, so the peak Python allocation (tracemalloc) of dispatching
the same number of due rows must not grow with the table; it is measured at two table sizes."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot import database
from core.database import make_engine, make_sessions, transaction
from reminders.dispatcher import Dispatcher, Policy
from reminders.notifier import DeliveryResult, Reminder
from reminders.quiet import QuietHours
from reminders.ratelimit import RateLimits
from reminders.store import PlannedReminder, ReminderRow, plan

ADMIN_URL = os.environ.get(
    "TONGXING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NO_QUIET = QuietHours.parse("00:00-00:00")
POLICY = Policy(batch_size=500, mark_every=500)


class NullChannel:
    def supports_idempotency(self, channel: str) -> bool:
        return True

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        return DeliveryResult.sent()


@dataclass
class Figures:
    lines: list[str]

    def add(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reminders(count: int, due: int, now: datetime, offset: int = 0) -> Iterator[PlannedReminder]:
    """`count` reminders of `count` families; the first `due` are due now, the rest over the next year."""
    for n in range(offset, offset + count):
        send_at = now - timedelta(minutes=1) if n - offset < due else now + timedelta(days=1 + n % 365)
        yield PlannedReminder(
            f"telegram:{n}", "telegram", "vaccine", "vaccine_dose", send_at.date(), send_at, "Asia/Shanghai",
            f"c{n % 3}", {"vaccine": "dtap", "dose": 1 + n % 4},
        )  # fmt: skip


def _store(url: str, count: int, due: int, now: datetime, offset: int = 0) -> float:
    """Plan `count` reminders in transactions of 50,000; returns the seconds taken."""
    sessions = make_sessions(make_engine(url))
    start = time.perf_counter()
    step = 50_000
    for first in range(0, count, step):
        size = min(step, count - first)
        with transaction(sessions) as session:
            plan(session, _reminders(size, max(0, min(size, due - first)), now, offset + first), now)
    return time.perf_counter() - start


def _dispatch(url: str, rates: dict[str, float] | None = None) -> int:
    sessions = make_sessions(make_engine(url))
    dispatcher = Dispatcher(
        sessions,
        NullChannel(),
        lambda: datetime.now(UTC),
        quiet=NO_QUIET,
        limits=RateLimits(rates),
        policy=POLICY,
    )
    return sum(dispatcher.tick().outcomes.values())


def _dispatch_in_processes(url: str, processes: int) -> float:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_dispatch, args=(url,)) for _ in range(processes)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def _sent(url: str) -> tuple[int, float]:
    """How many were sent, and the seconds from the first claim to the last mark (process start-up
    left out)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        count, first, last = connection.execute(
            select(func.count(), func.min(ReminderRow.claimed_at), func.max(ReminderRow.updated_at)).where(
                ReminderRow.status == "sent"
            )
        ).one()
    engine.dispose()
    if not count:
        return 0, 0.0
    first, last = (value if value.tzinfo else value.replace(tzinfo=UTC) for value in (first, last))
    return int(count), (last - first).total_seconds()


def _fresh_database() -> tuple[str, object]:
    """A new PostgreSQL database (and how to drop it), or a SQLite file when PostgreSQL is not there."""
    try:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"tongxing_bench_{uuid.uuid4().hex[:8]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return url, drop
    except Exception:
        folder = Path(tempfile.mkdtemp(prefix="tongxing-bench-"))
        return f"sqlite:///{folder / 'reminders.db'}", lambda: None


def _migrated() -> tuple[str, object]:
    url, drop = _fresh_database()
    engine = make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    return url, drop


def _peak_dispatch_kb(table: int, due: int) -> float:
    """Peak Python allocation while dispatching `due` reminders out of a table of `table` rows."""
    url, drop = _migrated()
    try:
        _store(url, table, due, datetime.now(UTC))
        tracemalloc.start()
        _dispatch(url)
        peak = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
        return peak
    finally:
        drop()  # type: ignore[operator]


def run(full: bool) -> list[str]:
    planned = 1_000_000 if full else 100_000
    due = 100_000 if full else 20_000
    limited = 3_000 if full else 300
    figures = Figures([])
    url, drop = _migrated()
    backend = make_url(url).get_backend_name()
    dispatchers = 2 if backend == "postgresql" else 1
    try:
        now = datetime.now(UTC)
        seconds = _store(url, planned, due, now)
        figures.add(
            f"reminders ({backend}): planned and stored {planned:,} in {seconds:.1f} s "
            f"({planned / seconds:,.0f}/s), peak RSS {_rss_mb():.0f} MB"
        )
        wall = _dispatch_in_processes(url, dispatchers)
        sent, seconds = _sent(url)
        figures.add(
            f"reminders: {dispatchers} dispatcher process(es) claimed, sent (null channel) and marked "
            f"{sent:,} of {due:,} due in {seconds:.1f} s: {sent / seconds:,.0f}/s, first claim to last mark "
            f"(target >= 5,000/s on PostgreSQL with two; {wall:.1f} s with process start-up)"
        )
    finally:
        drop()  # type: ignore[operator]
    url, drop = _migrated()
    try:
        now = datetime.now(UTC)
        _store(url, limited, limited, now, offset=0)
        start = time.perf_counter()
        sent = _dispatch(url, {"telegram": 30.0})
        seconds = time.perf_counter() - start
        rate = (sent - 1) / seconds  # the first goes at once (a burst of one)
        figures.add(
            f"reminders: {sent:,} through a 30/s limit in {seconds:.1f} s: {rate:.2f}/s "
            f"({abs(rate - 30) / 30:.1%} from the limit; target within 5%)"
        )
    finally:
        drop()  # type: ignore[operator]
    small, large = (10_000, planned) if full else (5_000, 50_000)
    sample = 2_000
    peaks = [_peak_dispatch_kb(size, sample) for size in (small, large)]
    figures.add(
        f"reminders: peak Python memory dispatching {sample:,} due: {peaks[0]:,.0f} KiB in a table of "
        f"{small:,}, {peaks[1]:,.0f} KiB in a table of {large:,} "
        f"(flat: streamed in batches of {POLICY.batch_size})"
    )
    return figures.lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders")
    parser.add_argument("--full", action="store_true", help="1,000,000 planned, 100,000 dispatched")
    run(parser.parse_args().full)


if __name__ == "__main__":
    main()
