"""What operators see (`tongxing reminders status`, /metrics): reminders by status, channel and kind,
how many are due now, and how long the oldest one has been waiting. Counted by the database (GROUP
BY), never by loading rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reminders.store import DUE_STATUSES, PENDING, ReminderRow


@dataclass(frozen=True)
class ReminderStatus:
    counts: tuple[tuple[str, str, str, int], ...]  # (status, channel, kind, rows)
    due_now: int
    oldest_waiting: datetime | None  # the earliest send time still not out (UTC), if it has passed

    def by(self, position: int) -> dict[str, int]:
        """Totals by status (0), channel (1) or kind (2)."""
        totals: Counter[str] = Counter()
        for row in self.counts:
            totals[str(row[position])] += row[3]
        return dict(sorted(totals.items()))

    def waiting_seconds(self, now: datetime) -> float:
        return (now - self.oldest_waiting).total_seconds() if self.oldest_waiting else 0.0

    def as_json(self, now: datetime) -> dict[str, object]:
        return {
            "by_status": self.by(0),
            "by_channel": self.by(1),
            "by_kind": self.by(2),
            "due_now": self.due_now,
            "oldest_waiting": self.oldest_waiting.isoformat() if self.oldest_waiting else None,
            "oldest_waiting_seconds": round(self.waiting_seconds(now)),
            "rows": [{"status": s, "channel": c, "kind": k, "count": n} for s, c, k, n in self.counts],
        }


def read_status(session: Session, now: datetime) -> ReminderStatus:
    now = now.astimezone(UTC)
    grouped = session.execute(
        select(ReminderRow.status, ReminderRow.channel, ReminderRow.kind, func.count())
        .group_by(ReminderRow.status, ReminderRow.channel, ReminderRow.kind)
        .order_by(ReminderRow.status, ReminderRow.channel, ReminderRow.kind)
    ).all()
    due_now = session.scalar(
        select(func.count()).where(ReminderRow.status.in_(DUE_STATUSES), ReminderRow.next_attempt_at <= now)
    )
    waiting = (ReminderRow.status.in_(PENDING), ReminderRow.send_at <= now)
    oldest = session.scalar(select(func.min(ReminderRow.send_at)).where(*waiting))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite returns naive UTC
    return ReminderStatus(
        tuple((str(s), str(c), str(k), int(n)) for s, c, k, n in grouped), int(due_now or 0), oldest
    )
