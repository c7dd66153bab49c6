"""The dispatcher: claims due reminders, sends them through a `Notifier`, marks them.

One tick claims batches until nothing is due. A claim is one short transaction: due rows are
selected FOR UPDATE SKIP LOCKED (PostgreSQL: several dispatchers, in several processes or machines,
never take the same row; SQLite: BEGIN IMMEDIATE serialises them, run one) and marked claimed by
this dispatcher with a lease (`next_attempt_at` = the lease's end). Then each row is checked against
the family's quiet hours, waits for its channel's rate limit, is sent, and its result is marked in
small groups (a transaction per `mark_every` rows or per second), only if this dispatcher still holds
it.

The rule for crashes: a dispatcher killed between sending and marking leaves rows claimed; when their
lease expires another dispatcher reclaims them. It sends them again only when the channel drops a
repeat by the idempotency key (`Notifier.supports_idempotency`); otherwise it marks them "unknown"
(`tongxing reminders status` counts them): a parent is never reminded twice, and an operator sees
what may have been missed. Failures are retried with exponential backoff, then marked failed;
quiet hours defer to their end; nothing is dropped silently. Rows are streamed in batches, never the
whole table in memory.

A row cancelled while this dispatcher holds it (a re-plan, a stop: `store.cancel_where`) is left to
it: sent, it is marked sent (the truth); deferred, failed, waiting for the window, given back, or its
lease expired, it is cancelled instead (`store.end_claim`), never sent later."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, String, Table, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from reminders.notifier import DeliveryResult, Notifier, Reminder
from reminders.quiet import QuietHours
from reminders.ratelimit import RateLimits
from reminders.store import DUE_STATUSES, ReminderRow, cancel, end_claim

LOG = logging.getLogger("tongxing.reminders")
TABLE = cast(Table, ReminderRow.__table__)
WENT_OUT = ("sent", "late")


@dataclass(frozen=True)
class Policy:
    batch_size: int = 200
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 6  # then failed, visibly
    backoff_base: float = 60.0  # seconds before the first retry, doubled each time
    backoff_cap: float = 6 * 3600.0
    not_now_hold: timedelta = timedelta(hours=6)  # the conversation said nothing: try again later
    stale_after: timedelta = timedelta(days=7)  # ... until this long after the due day, then cancelled
    mark_every: int = 100


@dataclass
class TickReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    unknown: int = 0  # expired leases on channels that cannot drop a repeat

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


def dispatcher_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifier: Notifier,
        now: Callable[[], datetime],
        *,
        quiet: QuietHours | None = None,
        limits: RateLimits | None = None,
        policy: Policy | None = None,
        name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.clock = now
        self.quiet = quiet or QuietHours.parse("00:00-00:00")
        self.limits = limits or RateLimits()
        self.policy = policy or Policy()
        self.name = name or dispatcher_id()
        self.stopping = threading.Event()

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def stop(self) -> None:
        """Finish the row in hand, give the rest of the batch back, and return from `tick`."""
        self.stopping.set()

    def tick(self, max_batches: int | None = None) -> TickReport:
        """Claim and send batches until nothing is due (or `max_batches`)."""
        report = TickReport()
        batches = 0
        while not self.stopping.is_set() and (max_batches is None or batches < max_batches):
            batch = self.claim(report)
            if not batch:
                break
            batches += 1
            self.send(batch, report)
        return report

    # --- claiming -------------------------------------------------------------------------------

    def claim(self, report: TickReport) -> list[Reminder]:
        """Due rows (and rows whose lease expired), claimed in one short transaction."""
        now = self.now()
        with transaction(self.sessions) as session:
            query = (
                select(ReminderRow)
                .where(ReminderRow.status.in_(DUE_STATUSES), ReminderRow.next_attempt_at <= now)
                .limit(self.policy.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = session.scalars(query).all()
            taken, unknown, dropped = [], [], []
            for row in rows:
                expired = row.status == "claimed"
                if expired and not self.notifier.supports_idempotency(row.channel):
                    unknown.append(row.id)  # cancelled while held or not: it may have gone out
                elif expired and row.cancelled_while_claimed is not None:
                    dropped.append(row.id)  # the claim ends unsent: cancelled, with its reason
                else:
                    taken.append(row)
            if dropped:
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id.in_(dropped))
                    .values(**end_claim("planned", next_at=now), updated_at=now)
                )
            if unknown:
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id.in_(unknown))
                    .values(
                        status="unknown",
                        next_attempt_at=None,
                        cancelled_while_claimed=None,  # it may have gone out: unknown stands
                        updated_at=now,
                        last_error="dispatcher died between send and mark; channel cannot dedupe",
                    )
                )
                report.unknown += len(unknown)
                LOG.warning("reminders with an unknown outcome", extra={"count": len(unknown)})
            if taken:
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id.in_([row.id for row in taken]))
                    .values(
                        status="claimed",
                        claimed_by=self.name,
                        claimed_at=now,
                        next_attempt_at=now + self.policy.lease,
                        updated_at=now,
                    )
                )
            batch = [_reminder(row, now) for row in taken]
        report.claimed += len(batch)
        return batch

    # --- sending --------------------------------------------------------------------------------

    def send(self, batch: list[Reminder], report: TickReport) -> None:
        started = time.monotonic()
        marks: list[dict[str, Any]] = []
        blocked: list[str] = []
        flushed = time.monotonic()
        for position, reminder in enumerate(batch):
            half_lease = self.policy.lease.total_seconds() / 2
            if self.stopping.is_set() or time.monotonic() - started > half_lease:
                self._flush(marks, blocked, report)
                self._release(batch[position:])
                return
            marks.append(self._one(reminder, blocked))
            if len(marks) >= self.policy.mark_every or time.monotonic() - flushed > 1.0:
                self._flush(marks, blocked, report)
                marks, blocked, flushed = [], [], time.monotonic()
        self._flush(marks, blocked, report)

    def _one(self, reminder: Reminder, blocked: list[str]) -> dict[str, Any]:
        """Send one reminder (or defer it); the values to mark it with."""
        now = self.now()
        allowed = self.quiet.next_allowed(now, reminder.zone)
        if allowed > now:
            return _mark(reminder, "deferred", next_at=allowed, error="quiet hours")
        self.limits.acquire(reminder.channel)
        try:
            result = self.notifier.deliver(reminder)
        except Exception as error:  # a bug or an outage in a channel must not stop the others
            LOG.exception("reminder delivery raised")
            result = DeliveryResult.failed(type(error).__name__)
        now = self.now()
        if result.outcome == "sent":
            return _mark(reminder, "late" if reminder.late else "sent", sent_at=now)
        if result.outcome == "deferred_window":
            return _mark(reminder, "waiting_window", error=result.reason or "waiting for the parent")
        if result.outcome == "blocked":
            blocked.append(reminder.user_key)
            return _mark(reminder, "cancelled", error=result.reason or "blocked")
        if result.outcome == "not_now":
            if now.date() > reminder.due + self.policy.stale_after:
                return _mark(reminder, "cancelled", error=result.reason or "not said in time")
            return _mark(reminder, "deferred", next_at=now + self.policy.not_now_hold, error=result.reason)
        attempts = reminder.attempts + 1
        if attempts >= self.policy.max_attempts:
            return _mark(reminder, "failed", attempts=attempts, error=result.reason)
        delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempts - 1))
        delay = max(delay, result.retry_after or 0.0)
        retry_at = now + timedelta(seconds=delay)
        return _mark(reminder, "deferred", next_at=retry_at, attempts=attempts, error=result.reason)

    def _flush(self, marks: list[dict[str, Any]], blocked: list[str], report: TickReport) -> None:
        """Mark the results, only on rows this dispatcher still holds: one statement for what went
        out, one for the rest (`end_claim`: a row cancelled while held is cancelled, not pending)."""
        if not marks:
            return
        now = self.now()
        with transaction(self.sessions) as session:
            for went_out in (True, False):
                group = [
                    {**mark, "b_me": self.name}
                    for mark in marks
                    if (mark["b_status"] in WENT_OUT) == went_out
                ]
                if group:
                    session.connection().execute(self._mark_statement(now, went_out=went_out), group)
            for user_key in set(blocked):
                cancel(session, user_key, now, reason="blocked")
        for mark in marks:
            report.count(mark["b_status"])

    @staticmethod
    def _mark_statement(now: datetime, *, went_out: bool) -> Any:
        """The UPDATE of one mark (an executemany of the `_mark` values), by `end_claim`'s rule."""
        ending = end_claim(
            bindparam("b_status", type_=String(16)),
            next_at=bindparam("b_next", type_=DateTime(timezone=True)),
            error=bindparam("b_error", type_=String(200)),
            went_out=went_out,
        )
        return (
            update(TABLE)
            .where(
                TABLE.c.id == bindparam("b_id"),
                TABLE.c.claimed_by == bindparam("b_me"),
                TABLE.c.status == "claimed",
            )
            .values(
                **ending,
                sent_at=bindparam("b_sent", type_=DateTime(timezone=True)),
                attempts=bindparam("b_attempts", type_=Integer),
                updated_at=now,
            )
        )

    def _release(self, rest: list[Reminder]) -> None:
        """Give back rows not started (stopping, or the lease half gone): due again at once (or
        cancelled, if they were cancelled while held: `end_claim`)."""
        if not rest:
            return
        now = self.now()
        with transaction(self.sessions) as session:
            session.execute(
                update(ReminderRow)
                .where(
                    ReminderRow.id.in_([item.id for item in rest]),
                    ReminderRow.claimed_by == self.name,
                    ReminderRow.status == "claimed",
                )
                .values(**end_claim("planned", next_at=now), updated_at=now)
            )


def _mark(
    reminder: Reminder,
    status: str,
    *,
    next_at: datetime | None = None,
    sent_at: datetime | None = None,
    attempts: int | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "b_id": reminder.id,
        "b_status": status,
        "b_next": next_at,
        "b_sent": sent_at,
        "b_attempts": reminder.attempts if attempts is None else attempts,
        "b_error": (error or None) and error[:200],
    }


def _reminder(row: ReminderRow, now: datetime) -> Reminder:
    local_today = now.astimezone(ZoneInfo(row.zone)).date()
    return Reminder(
        id=row.id,
        idempotency_key=row.idempotency_key,
        user_key=row.user_key,
        channel=row.channel,
        kind=row.kind,
        label_id=row.label_id,
        params=json.loads(row.params or "{}"),
        due=row.due_date,
        child_ref=row.child_ref,
        attempts=row.attempts,
        zone=row.zone,
        late=local_today > row.due_date,
    )
