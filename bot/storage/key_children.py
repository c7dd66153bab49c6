"""Key children (重点关爱服务对象): a worker marks a family's child as key, with the parent's consent
recorded; the child's care schedule (reminders/visit.py: a contact every month, a home visit every
three months, the information update each April and October) becomes the responsible worker's
reminders; "done" records a visit and plans the next.

What is stored, and no more: the family's conversation (user key) and the ticket it was marked from,
the district, the worker responsible, how and when the parent agreed and who recorded it, the dates
due, and what the worker calls the child (optional, encrypted). A visit is its kind, its day, who
recorded it and a short note (encrypted). Both tables declare their user data: /mydata counts them,
/forget deletes them.

The worker's reminders are rows of the durable reminder table (reminders/store.py, kind `visit`),
on the channel `worker` with the user key `worker:<id>`: the dispatcher claims them like any other
(quiet hours, retries, never twice), and bot/worker_reminders.py delivers them to the worker's
linked Telegram chat; without a link they wait (waiting_window) and go out when the worker links.
The console does not read the rows: it shows what is due from the key children themselves, so a
worker sees the same list whether or not a reminder went out. A contact or home visit row is for one
child (`child_ref` "key<id>"); the information update row is the worker's, one per update day
(no child_ref), however many key children they have."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher, CipherError
from bot.storage import key_child_care as care
from bot.storage.key_child_care import Handover, child_ref
from bot.storage.key_child_models import WORKER_CHANNEL, KeyChild, KeyChildVisit, worker_key
from bot.storage.models import ConsentRecord, HandoffTicket, Worker
from bot.storage.workers import StaffMember
from core.database import transaction
from reminders.store import PlannedReminder, plan, plan_again
from reminders.visit import CareSchedule

CONSENT_METHODS = ("chat", "phone", "in_person")
CHAT_CONSENT_PURPOSES = ("child_profile",)  # a consent in the conversation that covers keeping a child's data
SEND_AT = time(9, 0)  # a worker's reminder goes out at 09:00 on its day (the service's time zone)
MAX_NAME = 20
MAX_NOTE = 500
LIST_LIMIT = 500
ENDED_SHOWN_DAYS = 31  # the visits page lists the key care that ended this long ago at most
UNREADABLE = "(cannot decrypt)"


class KeyChildError(ValueError):
    """What the worker asked cannot be done (the message is an id the console turns into words)."""


@dataclass(frozen=True)
class DueVisit:
    kind: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class KeyChildView:
    id: int
    user_key: str
    ticket_id: int
    place: str
    worker_id: int
    worker_name: str
    name: str
    consent_method: str
    consent_at: datetime
    marked_on: date
    due: tuple[DueVisit, ...]  # soonest first
    ended_on: date | None = None
    end_reason: str | None = None  # key_child_models.END_REASONS
    ended_at: datetime | None = None

    @property
    def overdue(self) -> bool:
        return any(visit.overdue for visit in self.due)


@dataclass(frozen=True)
class VisitRecord:
    kind: str
    done_on: date
    worker_name: str
    note: str


def may_see_child(member: StaffMember) -> Any:
    """The key children this person may see, as a condition on KeyChild: the same scope as tickets
    (a worker their districts, a supervisor their city, an admin everything)."""
    if member.role == "admin":
        return KeyChild.id.is_not(None)
    if member.role == "supervisor":
        return KeyChild.city == member.city if member.city else KeyChild.id.is_(None)
    if not member.districts:
        return KeyChild.id.is_(None)
    condition = KeyChild.district.in_(member.districts)
    return condition & (KeyChild.city == member.city) if member.city else condition


def chat_consent(session: Session, user_key: str) -> bool | None:
    """The parent's latest answer in the conversation to keeping a child's data: True, False, or
    None when never asked."""
    row = session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.user_key == user_key, ConsentRecord.purpose.in_(CHAT_CONSENT_PURPOSES))
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    ).first()
    return None if row is None else bool(row.granted)


class KeyChildren:
    def __init__(
        self, sessions: sessionmaker[Session], cipher: Cipher, schedule: CareSchedule, zone: ZoneInfo
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.schedule = schedule
        self.zone = zone

    # --- reading ------------------------------------------------------------------------------------

    def chat_consent(self, user_key: str) -> bool | None:
        with transaction(self.sessions) as session:
            return chat_consent(session, user_key)

    def of_conversation(self, member: StaffMember, user_key: str, today: date) -> list[KeyChildView]:
        return self._listed(member, today, KeyChild.user_key == user_key)

    def listed(self, member: StaffMember, today: date) -> list[KeyChildView]:
        """The key children in this person's scope, the most urgent first (overdue, then soonest due)."""
        children = self._listed(member, today)
        return sorted(
            children, key=lambda child: (not child.overdue, child.due[0].due if child.due else date.max)
        )

    def find(self, member: StaffMember, key_child_id: int, today: date) -> KeyChildView | None:
        """The child in this person's scope, active or ended (its page says which)."""
        found = self._listed(member, today, KeyChild.id == key_child_id, active=False)
        return found[0] if found else None

    def ended(self, member: StaffMember, today: date) -> list[KeyChildView]:
        """The key care in this person's scope that ended in the last month, the latest first."""
        since = today - timedelta(days=ENDED_SHOWN_DAYS)
        found = self._listed(member, today, KeyChild.ended_on >= since, active=False)
        return sorted(found, key=lambda child: (child.ended_on or date.min, child.id), reverse=True)

    def candidates(self, key_child_id: int) -> list[tuple[int, str]]:
        """Who may take the child over (bot/storage/key_child_care.py `candidates`)."""
        with transaction(self.sessions) as session:
            child = session.get(KeyChild, key_child_id)
            return [] if child is None or child.ended_on is not None else care.candidates(session, child)

    def handovers(self, key_child_id: int) -> list[Handover]:
        with transaction(self.sessions) as session:
            child = session.get(KeyChild, key_child_id)
            return [] if child is None else care.handovers(session, child)

    def _listed(
        self, member: StaffMember, today: date, *conditions: Any, active: bool = True
    ) -> list[KeyChildView]:
        if active:
            conditions = (KeyChild.ended_on.is_(None), *conditions)
        query = (
            select(KeyChild, Worker.display_name)
            .outerjoin(Worker, Worker.id == KeyChild.worker_id)
            .where(may_see_child(member), *conditions)
            .order_by(KeyChild.id)
            .limit(LIST_LIMIT)
        )
        with transaction(self.sessions) as session:
            return [self._view(row, name or "?", today) for row, name in session.execute(query).all()]

    def visits(self, key_child_id: int, limit: int = 20) -> list[VisitRecord]:
        query = (
            select(KeyChildVisit, Worker.display_name)
            .outerjoin(Worker, Worker.id == KeyChildVisit.worker_id)
            .where(KeyChildVisit.key_child_id == key_child_id)
            .order_by(KeyChildVisit.done_on.desc(), KeyChildVisit.id.desc())
            .limit(limit)
        )
        with transaction(self.sessions) as session:
            return [
                VisitRecord(visit.kind, visit.done_on, name or "?", self._decrypt(visit.note))
                for visit, name in session.execute(query).all()
            ]

    def _decrypt(self, body: bytes | None) -> str:
        if body is None:
            return ""
        try:
            return self.cipher.decrypt(body)
        except CipherError:
            return UNREADABLE

    def _view(self, row: KeyChild, worker_name: str, today: date) -> KeyChildView:
        dues = []
        for kind in self.schedule.kinds:
            if kind in (row.due or {}):
                day = date.fromisoformat(row.due[kind])
                dues.append(DueVisit(kind, day, self.schedule.overdue(kind, day, today)))
        place = "/".join(part for part in (row.province, row.city, row.district) if part)
        return KeyChildView(
            id=row.id,
            user_key=row.user_key,
            ticket_id=row.ticket_id,
            place=place or "-",
            worker_id=row.worker_id,
            worker_name=worker_name,
            name=self._decrypt(row.name),
            consent_method=row.consent_method,
            consent_at=row.consent_at,
            marked_on=row.marked_on,
            due=() if row.ended_on else tuple(sorted(dues, key=lambda visit: (visit.due, visit.kind))),
            ended_on=row.ended_on,
            end_reason=row.end_reason,
            ended_at=row.ended_at,
        )

    # --- changing -----------------------------------------------------------------------------------

    def mark(
        self,
        member: StaffMember,
        ticket_id: int,
        consent_method: str,
        name: str,
        now: datetime,
    ) -> int:
        """Mark the child of this ticket's family as key, `member` responsible, on the parent's consent
        given as `consent_method`. KeyChildError: no such ticket in scope ("not_found"), an unknown way
        of consenting ("no_consent"), or consent said to be in the chat where the chat has none
        ("no_chat_consent")."""
        if consent_method not in CONSENT_METHODS:
            raise KeyChildError("no_consent")
        today = now.astimezone(self.zone).date()
        with transaction(self.sessions) as session:
            ticket = session.scalars(
                select(HandoffTicket).where(HandoffTicket.id == ticket_id, member.may_see())
            ).first()
            if ticket is None:
                raise KeyChildError("not_found")
            if consent_method == "chat" and chat_consent(session, ticket.user_key) is not True:
                raise KeyChildError("no_chat_consent")
            due = {kind: self.schedule.next_due(kind, today).isoformat() for kind in self.schedule.kinds}
            child = KeyChild(
                user_key=ticket.user_key,
                ticket_id=ticket.id,
                province=ticket.province,
                city=ticket.city,
                district=ticket.district,
                worker_id=member.id,
                name=self.cipher.encrypt(name[:MAX_NAME]) if name.strip() else None,
                consent_method=consent_method,
                consent_by=member.id,
                consent_at=now,
                marked_on=today,
                due=due,
            )
            session.add(child)
            session.flush()
            care.audit(session, child, "key_mark", now, f"consent {consent_method}", member)
            self._plan(session, child, now)
            return child.id

    def record_visit(
        self, member: StaffMember, key_child_id: int, kind: str, done_on: date, note: str, now: datetime
    ) -> dict[str, date]:
        """Record a visit of `kind` done on `done_on` and plan the next of what it counts as; returns
        the new due dates of those kinds. KeyChildError "not_found" (not in scope, or ended),
        "bad_visit" (an unknown kind, or a day in the future or before the child was marked)."""
        if kind not in self.schedule.kinds:
            raise KeyChildError("bad_visit")
        today = now.astimezone(self.zone).date()
        with transaction(self.sessions) as session:
            child = session.scalars(
                select(KeyChild)
                .where(KeyChild.id == key_child_id, KeyChild.ended_on.is_(None), may_see_child(member))
                .with_for_update()
            ).first()
            if child is None:
                raise KeyChildError("not_found")
            if done_on > today or done_on < child.marked_on:
                raise KeyChildError("bad_visit")
            session.add(
                KeyChildVisit(
                    key_child_id=child.id,
                    user_key=child.user_key,
                    worker_id=member.id,
                    kind=kind,
                    done_on=done_on,
                    note=self.cipher.encrypt(note[:MAX_NOTE]) if note.strip() else None,
                    recorded_at=now,
                )
            )
            due = dict(child.due or {})
            changed = {}
            for done in self.schedule.done_kinds(kind):
                following = self.schedule.next_due(done, done_on)
                current = date.fromisoformat(due[done]) if done in due else None
                if current is None or following > current:  # an older visit recorded late moves nothing back
                    due[done] = following.isoformat()
                    changed[done] = following
            child.due = due
            labels = [self.schedule.rule(done).label for done in changed]
            care.withdraw(session, child, labels, now, "visit done")
            care.audit(session, child, "key_visit", now, f"{kind} {done_on.isoformat()}", member)
            self._plan(session, child, now)
            return changed

    def end(self, member: StaffMember, key_child_id: int, now: datetime) -> bool:
        """The child is no longer key (moved away, needs ended): nothing more is planned."""
        with transaction(self.sessions) as session:
            child = session.scalars(
                select(KeyChild)
                .where(KeyChild.id == key_child_id, KeyChild.ended_on.is_(None), may_see_child(member))
                .with_for_update()
            ).first()
            if child is None:
                return False
            care.end_care(session, self.schedule, child, "worker", now, self.zone, member)
            return True

    def reassign(self, member: StaffMember, key_child_id: int, worker_id: int, now: datetime) -> str:
        """Hand the child to another active worker of its district: the new worker is responsible,
        the pending reminders move to them (the old worker's are cancelled, the same dates planned
        for the new one). Only a supervisor (their city) or an admin. Returns the new worker's name.
        KeyChildError: "not_found" (not in scope), "not_supervisor", "ended", "bad_worker"."""
        with transaction(self.sessions) as session:
            child = session.scalars(
                select(KeyChild).where(KeyChild.id == key_child_id, may_see_child(member)).with_for_update()
            ).first()
            if child is None:
                raise KeyChildError("not_found")
            if not member.supervises:
                raise KeyChildError("not_supervisor")
            if child.ended_on is not None:
                raise KeyChildError("ended")
            chosen = dict(care.candidates(session, child)).get(worker_id)
            if chosen is None:
                raise KeyChildError("bad_worker")
            before = child.worker_id
            care.withdraw_all(session, self.schedule, child, now, f"moved to worker {worker_id}")
            child.worker_id = worker_id
            care.audit(session, child, care.REASSIGN, now, f"worker {before} -> {worker_id}", member)
            self._plan(session, child, now, again=True)
            return chosen

    def _plan(self, session: Session, child: KeyChild, now: datetime, *, again: bool = False) -> None:
        """The reminder rows for what is due (the same row again is not duplicated: reminders/store.py)."""
        planned = []
        for kind, day in (child.due or {}).items():
            rule = self.schedule.rule(kind)
            on = date.fromisoformat(day)
            shared = kind == self.schedule.update.id  # the worker's, not the child's
            planned.append(
                PlannedReminder(
                    user_key=worker_key(child.worker_id),
                    channel=WORKER_CHANNEL,
                    kind="visit",
                    label_id=rule.label,
                    due=on,
                    send_at=max(datetime.combine(on, SEND_AT, self.zone), now),
                    zone=self.zone.key,
                    child_ref=None if shared else child_ref(child.id),
                )
            )
        (plan_again if again else plan)(session, planned, now)

    # --- for the reminders' delivery ----------------------------------------------------------------

    def still_due(self, worker_id: int, ref: str | None, kind: str, due: date) -> KeyChild | bool | None:
        """Whether a worker's reminder is still wanted: for a child's row, the child (active, this
        worker's, with this day still due for `kind`) or None; for the update row (no ref), whether the
        worker has an active key child whose update falls that day."""
        with transaction(self.sessions) as session:
            query = select(KeyChild).where(KeyChild.worker_id == worker_id, KeyChild.ended_on.is_(None))
            if ref is not None:
                if not ref.startswith("key") or not ref[3:].isdigit():
                    return None
                child = session.scalars(query.where(KeyChild.id == int(ref[3:]))).first()
                if child is None or (child.due or {}).get(kind) != due.isoformat():
                    return None
                session.expunge(child)
                return child
            return any((child.due or {}).get(kind) == due.isoformat() for child in session.scalars(query))
