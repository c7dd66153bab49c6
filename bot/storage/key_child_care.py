"""The changes to a key child's care that concern more than the visits: ending it (by a worker, by the
parent's later "no" in the chat, by the parent's /forget) and handing it to another worker.

Each locks the child's row (SELECT ... FOR UPDATE) before it touches the worker's reminder rows, so
that a reassignment and an ending at the same moment leave no reminder pending for a child that is
no longer key, nor for a worker who is no longer responsible (tested on PostgreSQL). Every change is
a row of the console's audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.desk import insert_entry
from bot.storage.key_child_models import WORKER_CHANNEL, KeyChild, worker_key
from bot.storage.models import AuditEntry, Worker
from bot.storage.workers import StaffMember
from reminders.store import ReminderRow, cancel_where
from reminders.visit import CareSchedule

PARENT = "(parent)"  # the audit's "who" when the parent's own words or /forget ended the care
REASSIGN = "key_reassign"


@dataclass(frozen=True)
class Handover:
    """A change of the worker responsible, as the child's page shows it."""

    at: datetime
    by: str  # the login of who changed it
    from_name: str
    to_name: str


def child_ref(key_child_id: int) -> str:
    return f"key{key_child_id}"


def audit(
    session: Session,
    child: KeyChild,
    action: str,
    now: datetime,
    detail: str,
    member: StaffMember | None = None,
) -> None:
    insert_entry(
        session,
        member.id if member else None,
        member.login if member else PARENT,
        action,
        now,
        ticket_id=child.ticket_id,
        user_key=child.user_key,
        detail=f"key child {child.id}; {detail}",
    )


def withdraw(session: Session, child: KeyChild, labels: list[str], now: datetime, reason: str) -> int:
    """The child's pending reminders of these labels, for its current worker, are cancelled."""
    if not labels:
        return 0
    return cancel_where(
        session,
        now,
        reason,
        ReminderRow.user_key == worker_key(child.worker_id),
        ReminderRow.child_ref == child_ref(child.id),
        ReminderRow.label_id.in_(labels),
    )


def withdraw_shared(
    session: Session, schedule: CareSchedule, child: KeyChild, now: datetime, reason: str
) -> int:
    """The worker's information-update row of this child's day (one row per worker and day, shared
    by their children), cancelled when no other active child of theirs still needs it."""
    kind = schedule.update.id
    day = (child.due or {}).get(kind)
    if day is None:
        return 0
    others = session.scalars(
        select(KeyChild).where(
            KeyChild.worker_id == child.worker_id, KeyChild.ended_on.is_(None), KeyChild.id != child.id
        )
    )
    if any((other.due or {}).get(kind) == day for other in others):
        return 0
    return cancel_where(
        session,
        now,
        reason,
        ReminderRow.user_key == worker_key(child.worker_id),
        ReminderRow.channel == WORKER_CHANNEL,
        ReminderRow.child_ref.is_(None),
        ReminderRow.label_id == schedule.update.label,
        ReminderRow.due_date == date.fromisoformat(day),
    )


def withdraw_all(
    session: Session, schedule: CareSchedule, child: KeyChild, now: datetime, reason: str
) -> None:
    """Every pending reminder of the child for its current worker (the shared update row too)."""
    withdraw(session, child, [rule.label for rule in schedule.visits] + [schedule.update.label], now, reason)
    withdraw_shared(session, schedule, child, now, reason)


def end_care(
    session: Session,
    schedule: CareSchedule,
    child: KeyChild,
    reason: str,
    now: datetime,
    zone: ZoneInfo,
    member: StaffMember | None = None,
) -> None:
    """The child is no longer key: ended with its reason and moment, nothing more is planned (the
    child's row must be locked by the caller)."""
    withdraw_all(session, schedule, child, now, f"key care ended: {reason}")
    child.ended_on = now.astimezone(zone).date()
    child.ended_at = now
    child.end_reason = reason
    child.ended_by = member.id if member else None
    audit(session, child, "key_end", now, reason, member)


def end_for_parent(
    session: Session, schedule: CareSchedule, user_key: str, reason: str, now: datetime, zone: ZoneInfo
) -> int:
    """The parent said no to keeping the child's data ("withdrawn"), or deleted their data
    ("forgotten"): every active key child of the conversation ends. After /forget the name the
    worker gave is wiped too (the caller then anonymises the row). Returns how many ended."""
    children = list(
        session.scalars(
            select(KeyChild).where(KeyChild.user_key == user_key).order_by(KeyChild.id).with_for_update()
        )
    )
    ended = 0
    for child in children:
        if child.ended_on is None:
            end_care(session, schedule, child, reason, now, zone)
            ended += 1
        if reason == "forgotten":
            child.name = None
    return ended


def candidates(session: Session, child: KeyChild) -> list[tuple[int, str]]:
    """The active workers who may take the child over: workers (not supervisors) serving its
    district, in its city when they have one; the current one left out."""
    if child.district is None:
        return []
    rows = session.scalars(
        select(Worker)
        .where(Worker.role == "worker", Worker.disabled.is_(False), Worker.id != child.worker_id)
        .order_by(Worker.display_name, Worker.id)
    )
    return [
        (worker.id, worker.display_name)
        for worker in rows
        if child.district in (worker.districts or ()) and (worker.city is None or worker.city == child.city)
    ]


def handovers(session: Session, child: KeyChild, limit: int = 20) -> list[Handover]:
    """The changes of the worker responsible, newest first, from the audit log."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == REASSIGN,
            AuditEntry.ticket_id == child.ticket_id,
            AuditEntry.detail.like(f"key child {child.id};%"),
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    moves = []
    for entry in entries:
        _, _, move = entry.detail.partition("; worker ")
        before, _, after = move.partition(" -> ")
        moves.append((entry, int(before) if before.isdigit() else 0, int(after) if after.isdigit() else 0))
    ids = {worker for _, before, after in moves for worker in (before, after)}
    names = dict(session.execute(select(Worker.id, Worker.display_name).where(Worker.id.in_(ids))).all())
    return [
        Handover(entry.created_at, entry.worker_login, names.get(before, "?"), names.get(after, "?"))
        for entry, before, after in moves
    ]
