"""A dispatcher process for the fault test (tests/reminders/test_dispatch_processes.py): ticks until
told to stop, sending to a recording channel that drops repeats by the idempotency key (a real
PostgreSQL table with a unique key, as a platform's dedupe would). Every call is appended to
`attempts` and every reminder that actually reached the channel to `delivered` (O_APPEND lines).

python -m tests.reminders.dispatch_worker DATABASE_URL FOLDER"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from core.database import make_engine, make_sessions
from reminders.dispatcher import Dispatcher, Policy
from reminders.notifier import DeliveryResult, Reminder

SEND_SECONDS = 0.002  # a channel's latency: batches take long enough to be killed in the middle


class RecordingChannel:
    def __init__(self, url: str, folder: Path) -> None:
        self.engine = make_engine(url)
        self.attempts = os.open(folder / "attempts", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self.delivered = os.open(folder / "delivered", os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def supports_idempotency(self, channel: str) -> bool:
        return True

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        line = f"{reminder.idempotency_key} {os.getpid()}\n".encode()
        os.write(self.attempts, line)
        time.sleep(SEND_SECONDS)
        with self.engine.begin() as connection:
            inserted = connection.execute(
                text("INSERT INTO recorded_delivery (key) VALUES (:key) ON CONFLICT DO NOTHING"),
                {"key": reminder.idempotency_key},
            ).rowcount
        if inserted == 1:
            os.write(self.delivered, line)
        return DeliveryResult.sent()


def main() -> None:
    url, folder = sys.argv[1], Path(sys.argv[2])
    sessions = make_sessions(make_engine(url))
    policy = Policy(batch_size=50, lease=timedelta(seconds=3), mark_every=10)
    dispatcher = Dispatcher(sessions, RecordingChannel(url, folder), lambda: datetime.now(UTC), policy=policy)
    print(dispatcher.name, flush=True)
    while not (folder / "stop").exists():
        if dispatcher.tick().claimed == 0:
            time.sleep(0.2)


if __name__ == "__main__":
    main()
