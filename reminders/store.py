"""The durable reminder table: one row per planned reminder, written when it is planned, so nothing
is lost on a restart. The dispatcher (reminders/dispatcher.py) claims and marks the rows.

A row holds nothing personal in clear: the user key, the channel, what kind of reminder it is, a
label id with parameters that are not personal (a vaccine id and a dose number, say), rendered in the
parent's language when it is sent, the due date and the time to send it (UTC). The child is an
opaque id of the conversation (`child_ref`), never a name or a birth date.

Statuses: planned (waits for `next_attempt_at`), claimed (a dispatcher holds it until
`next_attempt_at`, its lease), deferred (quiet hours, a retry after a failure, a conversation a
worker owns: waits for `next_attempt_at`), sent, late (sent after the day it was due), failed (given
up after the retries), waiting_window (the channel cannot reach the parent now: it waits for the
parent's next message), cancelled, unknown (a dispatcher died between sending and marking on a
channel that cannot drop a repeat: not sent again, reported by `tongxing reminders status`).

Cancelling never takes a row from under its holder (a dispatcher, or a parent's turn saying what
waited for them): a claimed row is only marked (`cancelled_while_claimed`, the reason), and the end of
the claim decides (`end_claim`): sent or late when it went out (what the parent received is the
truth), else cancelled with that reason, never pending again. The mark exists only on claimed rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    Exists,
    Index,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.database import Base
from core.i18n import N_
from core.user_data import OnForget, UserData, UserDataDeclaration

KINDS = ("vaccine", "renewal", "school", "visit")
PENDING = ("planned", "claimed", "deferred", "waiting_window")  # not yet out, may still go
DUE_STATUSES = ("planned", "deferred", "claimed")  # what the dispatcher picks once next_attempt_at passed
STATUSES = (*PENDING, "sent", "late", "failed", "cancelled", "unknown")
PLAN_CHUNK = 1000  # rows per INSERT statement when planning many


class ReminderRow(UserData, Base):
    __tablename__ = "planned_reminder"
    # What is planned for the family (ids and dates, nothing in clear about the child): deleted.
    __user_data__ = UserDataDeclaration(N_("计划好的提醒：{n}条"), OnForget.DELETE)
    __table_args__ = (
        Index("ix_planned_reminder_status_next", "status", "next_attempt_at"),  # the dispatcher's query
        Index("ix_planned_reminder_user_key_status", "user_key", "status"),  # cancel, upcoming, wake
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    user_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    child_ref: Mapped[str | None] = mapped_column(String(64))
    label_id: Mapped[str] = mapped_column(String(64))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON of ids and numbers, nothing personal
    due_date: Mapped[date] = mapped_column(Date)
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    zone: Mapped[str] = mapped_column(String(64))  # the family's time zone (quiet hours)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Why the row was cancelled while claimed (re-planned, stopped...): its claim's end cancels it
    # unless it went out (`end_claim`). Only ever set on a claimed row.
    cancelled_while_claimed: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder to write: what the planner decided (pure data, no database)."""

    user_key: str
    channel: str
    kind: str
    label_id: str
    due: date
    send_at: datetime  # aware
    zone: str
    child_ref: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """The same reminder planned again gets the same key (so re-planning never duplicates it), and
        the channel is handed the key to drop a repeated send."""
        return reminder_key(self.user_key, self.kind, self.label_id, self.child_ref, self.params, self.due)


def reminder_key(
    user_key: str, kind: str, label_id: str, child_ref: str | None, params: dict[str, Any], due: date
) -> str:
    """The idempotency key: a hash of who, what and for which day (the send time is left out, so moving
    a reminder keeps its key)."""
    raw = json.dumps([user_key, kind, label_id, child_ref, params, due.isoformat()], sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def plan(session: Session, reminders: Iterable[PlannedReminder], now: datetime) -> int:
    """Write the reminders; one already planned (same idempotency key) is moved to the new send time
    while it is still planned or deferred, and left alone once sent, cancelled or in flight. Streams
    in chunks. Returns how many were given."""
    insert = _insert(session)
    total = 0
    chunk: list[dict[str, Any]] = []
    for reminder in reminders:
        if reminder.kind not in KINDS:
            raise ValueError(f"unknown reminder kind {reminder.kind!r} (one of {', '.join(KINDS)})")
        chunk.append(_values(reminder, now))
        if len(chunk) >= PLAN_CHUNK:
            total += _write(session, insert, chunk)
            chunk = []
    if chunk:
        total += _write(session, insert, chunk)
    return total


def _values(reminder: PlannedReminder, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": reminder.idempotency_key,
        "user_key": reminder.user_key,
        "channel": reminder.channel,
        "kind": reminder.kind,
        "child_ref": reminder.child_ref,
        "label_id": reminder.label_id,
        "params": json.dumps(reminder.params, sort_keys=True),
        "due_date": reminder.due,
        "send_at": reminder.send_at.astimezone(UTC),
        "zone": reminder.zone,
        "status": "planned",
        "attempts": 0,
        "next_attempt_at": reminder.send_at.astimezone(UTC),
        "updated_at": now,
    }


def _write(session: Session, insert: Any, rows: list[dict[str, Any]]) -> int:
    statement = insert(ReminderRow)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["idempotency_key"],
        set_={
            "send_at": excluded.send_at,
            "next_attempt_at": excluded.send_at,
            "zone": excluded.zone,
            "channel": excluded.channel,
            "status": "planned",
            "updated_at": excluded.updated_at,
        },
        where=or_(ReminderRow.status == "planned", ReminderRow.status == "deferred"),  # no IN: executemany
    )
    session.execute(statement, rows)  # executemany: one compiled statement, rows sent in batches
    return len(rows)


def cancel(
    session: Session,
    user_key: str,
    now: datetime,
    *,
    child_ref: str | None = None,
    kind: str | None = None,
    reason: str = "cancelled",
) -> int:
    """Cancel what is pending for a user (optionally one child's, or one kind's) at once; a row a
    dispatcher holds right now is cancelled when its claim ends, unless it went out (`cancel_where`)."""
    conditions = [ReminderRow.user_key == user_key]
    if child_ref is not None:
        conditions.append(ReminderRow.child_ref == child_ref)
    if kind is not None:
        conditions.append(ReminderRow.kind == kind)
    return cancel_where(session, now, reason, *conditions)


def cancel_where(session: Session, now: datetime, reason: str, *conditions: Any) -> int:
    """Cancel the pending rows that meet every condition (what cancelling a row sets, in one place).

    A claimed row is not cancelled under its holder: the holder's mark records what the parent
    received (a row cancelled in flight would lose that mark, and a later re-plan could bring it back
    and send it twice). It is marked instead (`cancelled_while_claimed`, the reason) and `end_claim`
    cancels it when the claim ends without a send (deferred, failed, waiting for the window, given
    back, its lease expired), so a stale reminder never goes back to pending. One UPDATE deciding per
    row: a claim ending at the same moment is seen either way (PostgreSQL re-evaluates the CASE on
    the row's new version after waiting for its lock; SQLite runs one writer). Returns how many rows
    were cancelled or marked."""
    held = ReminderRow.status == "claimed"
    result = session.execute(
        update(ReminderRow)
        .where(ReminderRow.status.in_(PENDING), *conditions)
        .values(
            status=case((held, ReminderRow.status), else_="cancelled"),
            next_attempt_at=case((held, ReminderRow.next_attempt_at), else_=None),
            last_error=case((held, ReminderRow.last_error), else_=reason[:200]),
            cancelled_while_claimed=case((held, reason[:200]), else_=None),
            updated_at=now,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_claim(
    status: Any, *, next_at: Any = None, error: Any = None, went_out: bool = False
) -> dict[str, Any]:
    """The values that end a claim (to give with `updated_at` to an UPDATE of claimed rows): what the
    holder decided (`status`, `next_at`, `error`: values or bind parameters), except that a row
    cancelled while it was held (`cancel_where`) and that did not go out is cancelled, with the reason
    it was cancelled for. The one rule for every end of a claim: the dispatcher's marks, rows given
    back, a parent's turn releasing what it did not say, an expired lease."""
    if went_out:
        return {
            "status": status,
            "next_attempt_at": next_at,
            "last_error": error,
            "claimed_by": None,
            "cancelled_while_claimed": None,
        }
    cancelled = ReminderRow.cancelled_while_claimed.is_not(None)
    return {
        "status": case((cancelled, "cancelled"), else_=status),
        "next_attempt_at": case((cancelled, None), else_=next_at),
        "last_error": case((cancelled, ReminderRow.cancelled_while_claimed), else_=error),
        "claimed_by": None,
        "cancelled_while_claimed": None,
    }


def _bring_back(session: Session, keys: Sequence[str], now: datetime, *conditions: Any) -> None:
    """The reminders of `keys` are planned again: a cancelled row comes back planned (`plan` then
    gives it its time), and a row claimed and marked to be cancelled keeps its claim without the mark
    (the end of its claim then follows its holder). One UPDATE, so that a claim ending meanwhile (the
    row cancelled by its end) is seen either way."""
    if not keys:
        return
    was_cancelled = ReminderRow.status == "cancelled"
    marked = and_(ReminderRow.status == "claimed", ReminderRow.cancelled_while_claimed.is_not(None))
    session.execute(
        update(ReminderRow)
        .where(ReminderRow.idempotency_key.in_(keys), or_(was_cancelled, marked), *conditions)
        .values(
            status=case((was_cancelled, "planned"), else_=ReminderRow.status),
            attempts=case((was_cancelled, 0), else_=ReminderRow.attempts),
            claimed_by=case((was_cancelled, None), else_=ReminderRow.claimed_by),
            last_error=case((was_cancelled, None), else_=ReminderRow.last_error),
            cancelled_while_claimed=None,
            updated_at=now,
        )
    )


def upcoming(session: Session, user_key: str, limit: int = 20) -> Sequence[ReminderRow]:
    """What is still to come for a user, soonest first."""
    query = (
        select(ReminderRow)
        .where(
            ReminderRow.user_key == user_key,
            ReminderRow.status.in_(PENDING),
            ReminderRow.cancelled_while_claimed.is_(None),  # cancelled, only still held
        )
        .order_by(ReminderRow.send_at, ReminderRow.id)
        .limit(limit)
    )
    return session.scalars(query).all()


def wake_waiting(session: Session, user_key: str, now: datetime) -> int:
    """The parent wrote: what waited for a window (or for a channel without push) is due again now and
    goes out through the channel (marked late when its day has passed). Returns how many."""
    result = session.execute(
        update(ReminderRow)
        .where(ReminderRow.user_key == user_key, ReminderRow.status == "waiting_window")
        .values(status="deferred", next_attempt_at=now, updated_at=now, last_error="parent wrote")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def replace_planned(
    session: Session,
    user_key: str,
    kind: str,
    child_ref: str | None,
    reminders: Sequence[PlannedReminder],
    now: datetime,
    *,
    reason: str = "re-planned",
) -> int:
    """Re-plan one child's reminders of one kind (a corrected birth date, a dose given, reminders
    resumed, a flow finished again with other dates): `reminders` become the plan. Three rules:

    - The re-plan covers exactly the rows of `user_key`, `kind` and `child_ref`; `child_ref` None
      means the family's own rows (those for no child), never every child's. A reminder outside that
      is refused (ValueError), since no later re-plan of its own would ever replace it.
    - A reminder among them that was cancelled before (stopped, then resumed) comes back: planned
      again at its new time; one claimed and marked to be cancelled by an earlier re-plan loses the
      mark (its holder's mark stands). Sent, late, failed or unknown rows stay as they are.
    - What is pending and not among them is cancelled (`cancel_where`). A row a dispatcher or a
      parent's turn holds (claimed) is only marked: its holder's mark records what the parent
      received (a cancelled row in flight would lose that mark, and could then be brought back and
      sent twice), and if it was not sent (deferred, failed, waiting, given back, its lease expired)
      the end of the claim cancels it (`end_claim`): a superseded reminder never goes out later.

    The rest is written by `plan` (same key: moved, never duplicated). Returns how many were
    cancelled (or marked, to be cancelled when their claim ends)."""
    for reminder in reminders:
        if (reminder.user_key, reminder.kind, reminder.child_ref) != (user_key, kind, child_ref):
            raise ValueError(
                f"a reminder for {reminder.user_key!r}/{reminder.kind!r}/{reminder.child_ref!r} is outside "
                f"the re-plan of {user_key!r}/{kind!r}/{child_ref!r}"
            )
    keys = [reminder.idempotency_key for reminder in reminders]
    _bring_back(session, keys, now, ReminderRow.user_key == user_key)
    plan(session, reminders, now)
    child = ReminderRow.child_ref.is_(None) if child_ref is None else ReminderRow.child_ref == child_ref
    stale = [ReminderRow.user_key == user_key, ReminderRow.kind == kind, child]
    if keys:
        stale.append(ReminderRow.idempotency_key.not_in(keys))
    return cancel_where(session, now, reason, *stale)


def waiting_exists() -> Exists:
    """`EXISTS` a row waiting for the parent (bind `key`): the check a turn makes in its own
    transaction (returned by the statement that stores its state), so that a message with nothing
    waiting (nearly all) costs no second transaction and no statement of its own."""
    return exists().where(ReminderRow.user_key == bindparam("key"), ReminderRow.status == "waiting_window")


def plan_again(session: Session, reminders: Sequence[PlannedReminder], now: datetime) -> int:
    """Like `plan`, but a reminder among them that was cancelled before (a key child handed to
    another worker and back) is planned again rather than left cancelled (and one still held, marked
    to be cancelled, loses the mark). Returns how many."""
    _bring_back(session, [reminder.idempotency_key for reminder in reminders], now)
    return plan(session, reminders, now)


def claim_waiting(
    session: Session, user_key: str, now: datetime, claimer: str, lease: timedelta
) -> list[ReminderRow]:
    """The parent wrote: what waited for them (a closed window, a channel without push) is claimed
    by `claimer` (unique per call) in one UPDATE, so of two processes answering the same parent only
    one takes a row (PostgreSQL re-checks the status of a row another transaction just changed; SQLite
    runs one writer). Held until now + `lease`: a process that dies before marking leaves it to the
    dispatcher, which marks it `unknown` on a channel that cannot drop a repeat (never sent twice).
    A read first: most messages (and the web chat's polls) find nothing waiting and write nothing."""
    waiting = select(ReminderRow.id).where(
        ReminderRow.user_key == user_key, ReminderRow.status == "waiting_window"
    )
    if session.scalar(waiting.limit(1)) is None:
        return []
    session.execute(
        update(ReminderRow)
        .where(ReminderRow.user_key == user_key, ReminderRow.status == "waiting_window")
        .values(
            status="claimed", claimed_by=claimer, claimed_at=now, next_attempt_at=now + lease, updated_at=now
        )
    )
    query = (
        select(ReminderRow)
        .where(ReminderRow.claimed_by == claimer, ReminderRow.status == "claimed")
        .order_by(ReminderRow.send_at, ReminderRow.id)
    )
    return list(session.scalars(query).all())


def mark_delivered(session: Session, ids: Sequence[int], claimer: str, now: datetime) -> int:
    """The rows went out with the parent's message: `late` when the family's day has passed their due
    day, else `sent`. Only rows `claimer` still holds."""
    count = 0
    for row in session.scalars(
        select(ReminderRow).where(
            ReminderRow.id.in_(ids), ReminderRow.claimed_by == claimer, ReminderRow.status == "claimed"
        )
    ):
        row.status = "late" if now.astimezone(ZoneInfo(row.zone)).date() > row.due_date else "sent"
        row.sent_at, row.next_attempt_at, row.claimed_by, row.updated_at = now, None, None, now
        row.cancelled_while_claimed = None  # it went out: the truth, even if cancelled meanwhile
        count += 1
    return count


def release_claimed(
    session: Session, ids: Sequence[int], claimer: str, next_at: datetime, now: datetime, reason: str
) -> int:
    """Rows claimed but not said (a worker owns the conversation, consent withdrawn): back to the
    dispatcher at `next_at`, which keeps or cancels them by its own rules; a row cancelled while it
    was held is cancelled now (`end_claim`)."""
    result = session.execute(
        update(ReminderRow)
        .where(ReminderRow.id.in_(ids), ReminderRow.claimed_by == claimer, ReminderRow.status == "claimed")
        .values(**end_claim("deferred", next_at=next_at, error=reason[:200]), updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
