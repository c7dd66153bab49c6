"""The fault test on PostgreSQL: two dispatcher processes; one is killed with SIGKILL in the middle
of a batch and started again; every due reminder reaches the (recording) channel exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.database import make_engine, make_sessions, transaction
from reminders.store import PlannedReminder, ReminderRow, plan
from tests.conftest import ROOT, migrate

pytestmark = pytest.mark.postgres
COUNT = 2000


def start(url: str, folder: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reminders.dispatch_worker", url, str(folder)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_for(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = make_engine(migrate(postgres_url))
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        session.execute(text("CREATE TABLE recorded_delivery (key varchar(64) PRIMARY KEY)"))
        due = now - timedelta(minutes=5)
        plan(
            session,
            (
                PlannedReminder(
                    f"test:u{n}", "test", "vaccine", "vaccine_dose", due.date(), due, "UTC", "c1", {"dose": n}
                )
                for n in range(COUNT)
            ),
            now,
        )
        keys = set(session.scalars(select(ReminderRow.idempotency_key)).all())
    delivered = tmp_path / "delivered"
    first, second = start(postgres_url, tmp_path), start(postgres_url, tmp_path)
    restarted: subprocess.Popen[str] | None = None
    try:
        victim = first.stdout.readline().strip()  # type: ignore[union-attr]

        def victim_in_flight() -> int:
            with sessions() as session:
                return int(
                    session.scalar(
                        select(func.count()).where(
                            ReminderRow.claimed_by == victim, ReminderRow.status == "claimed"
                        )
                    )
                    or 0
                )

        # Killed while it holds a good part of a batch (it marks every 10 rows): on a loaded machine a
        # kill at an arbitrary moment may fall between two batches and prove nothing. So the victim is
        # frozen (SIGSTOP) first, and killed only if, frozen, it holds claimed rows; else it goes on
        # and is caught again.
        wait_for(lambda: len(lines(delivered)) >= COUNT // 5, 60)
        in_flight = 0
        deadline = time.monotonic() + 60
        while not in_flight and time.monotonic() < deadline:
            wait_for(lambda: victim_in_flight() >= 20, 60)
            os.kill(first.pid, signal.SIGSTOP)
            in_flight = victim_in_flight()
            if not in_flight:
                os.kill(first.pid, signal.SIGCONT)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        assert in_flight == victim_in_flight() > 0, "the kill must land in the middle of a batch"
        restarted = start(postgres_url, tmp_path)

        def all_marked() -> bool:
            with sessions() as session:
                left = session.scalar(select(func.count()).where(ReminderRow.status != "sent"))
            return left == 0

        wait_for(all_marked, 120)
        with engine.connect() as connection:  # what reached the channel, by its own record
            recorded = set(connection.scalars(text("SELECT key FROM recorded_delivery")).all())
    finally:
        (tmp_path / "stop").touch()
        for process in (first, second, restarted):
            if process is not None and process.poll() is None:
                process.wait(timeout=30)
        engine.dispose()
    assert recorded == keys  # none lost
    # None twice: the channel drops a repeat by its key, and the file has a line for each it took. A
    # victim killed between the channel's commit and its line leaves that one out of the file (the
    # file is the test's, not the channel's record), never puts a line in twice.
    reached = Counter(line.split()[0] for line in lines(delivered))
    assert max(reached.values()) == 1
    assert len(keys - set(reached)) <= 1
    attempts = Counter(line.split()[0] for line in lines(tmp_path / "attempts"))
    repeated = sum(1 for count in attempts.values() if count > 1)
    print(f"{in_flight} rows in flight when killed; {repeated} sent again and dropped by the channel's key")
