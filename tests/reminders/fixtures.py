"""Helpers of the reminder tests: a migrated database, reminders to plan, a recording notifier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import make_engine, make_sessions, transaction
from reminders.notifier import DeliveryResult, Reminder
from reminders.store import PlannedReminder, ReminderRow, plan
from tests.conftest import migrate

NOON_SHANGHAI = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def migrated_sessions(url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrate(url))
    yield make_sessions(engine)
    engine.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'reminders.db'}"


def reminder(
    user: str = "u1",
    *,
    channel: str = "test",
    kind: str = "vaccine",
    dose: int = 1,
    child: str | None = "c1",
    send_at: datetime = NOON_SHANGHAI,
    due: date | None = None,
) -> PlannedReminder:
    return PlannedReminder(
        user_key=f"{channel}:{user}",
        channel=channel,
        kind=kind,
        label_id="vaccine_dose",
        params={"vaccine": "dtap", "dose": dose},
        due=due or send_at.date(),
        send_at=send_at,
        zone="Asia/Shanghai",
        child_ref=child,
    )


def plan_all(sessions: sessionmaker[Session], reminders: list[PlannedReminder], now: datetime) -> None:
    with transaction(sessions) as session:
        plan(session, reminders, now)


def rows(sessions: sessionmaker[Session]) -> list[ReminderRow]:
    with sessions() as session:
        return list(session.scalars(select(ReminderRow).order_by(ReminderRow.id)).all())


def statuses(sessions: sessionmaker[Session]) -> list[str]:
    return [row.status for row in rows(sessions)]


class Recording:
    """A notifier that records what it is handed and answers what the test says (a real Notifier; no
    channel is needed to test the dispatcher)."""

    def __init__(self, answer: DeliveryResult | None = None, idempotent: bool = True) -> None:
        self.answer = answer or DeliveryResult.sent()
        self.idempotent = idempotent
        self.delivered: list[Reminder] = []

    def supports_idempotency(self, channel: str) -> bool:
        return self.idempotent

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        self.delivered.append(reminder)
        return self.answer


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)
