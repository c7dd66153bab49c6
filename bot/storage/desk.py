"""The console's tickets: the queue a worker may see, claiming (one owner, atomically), the transcript,
notes, closing, and the audit log every look and every action is written to.

Every read takes the worker's scope (`StaffMember.may_see`) as part of its query, so a ticket outside
it is not found, exactly like a ticket that does not exist."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher, CipherError
from bot.storage.models import AuditEntry, HandoffTicket, MessageLog, TicketNote, Worker
from bot.storage.workers import StaffMember
from core.database import transaction
from dialogues.case_summary import CaseSummary

OUTCOMES = ("resolved", "referred", "no_response", "duplicate")
URGENCIES = ("urgent", "normal")  # the queue's order
PAGE_SIZE = 50  # tickets per page of the queue (the counts per urgency say how many there are)
VIEW_COLUMNS = (
    HandoffTicket.id,
    HandoffTicket.user_key,
    HandoffTicket.reason,
    HandoffTicket.urgency,
    HandoffTicket.status,
    HandoffTicket.province,
    HandoffTicket.city,
    HandoffTicket.district,
    HandoffTicket.summary,
    HandoffTicket.created_at,
    HandoffTicket.worker_id,
    HandoffTicket.safety,
    HandoffTicket.outcome,
)
UNREADABLE = "(cannot decrypt)"


@dataclass(frozen=True)
class TicketView:
    id: int
    user_key: str
    channel: str
    reason: str
    urgency: str
    status: str
    place: str
    summary: str
    created_at: datetime
    waited: timedelta
    overdue: bool
    owner_id: int | None
    owner_name: str | None
    safety: str | None
    outcome: str | None
    case: CaseSummary | None = None  # only on a ticket's own page (None for tickets opened before it)


@dataclass(frozen=True)
class QueuePage:
    tickets: list[TicketView]
    counts: dict[str, int]  # tickets not closed per urgency (all pages)
    page: int  # from 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class QueueRows:
    """A page of the queue as read (`Desk.queue_rows`), before it is shown (`Desk.queue_page`)."""

    rows: list[Any]
    names: dict[int, str]  # the owners' display names by worker id
    counts: dict[str, int]
    page: int


@dataclass(frozen=True)
class LoggedMessage:
    id: int
    direction: str  # in | out | worker
    text: str
    at: datetime


@dataclass(frozen=True)
class Note:
    author: str
    text: str
    at: datetime


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


class Desk:
    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher, sla: timedelta) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.sla = sla

    def _decrypt(self, body: bytes | None) -> str:
        if body is None:
            return ""
        try:
            return self.cipher.decrypt(body)
        except CipherError:
            return UNREADABLE

    def _case(self, body: bytes | None) -> CaseSummary | None:
        text = self._decrypt(body)
        if not text or text == UNREADABLE:
            return None
        try:
            return CaseSummary.from_json(text)
        except (ValueError, TypeError):
            return None

    def _view(self, ticket: Any, owner: str | None, now: datetime, *, case: bool = False) -> TicketView:
        """A ticket (a HandoffTicket, or a row of its columns) as the console shows it."""
        created = _aware(ticket.created_at, now)
        waited = now - created
        place = "/".join(part for part in (ticket.province, ticket.city, ticket.district) if part)
        return TicketView(
            id=ticket.id,
            user_key=ticket.user_key,
            channel=ticket.user_key.partition(":")[0],
            reason=ticket.reason,
            urgency=ticket.urgency,
            status=ticket.status,
            place=place or "-",
            summary=self._decrypt(ticket.summary),
            created_at=created,
            waited=waited,
            overdue=ticket.urgency == "urgent" and ticket.status == "open" and waited > self.sla,
            owner_id=ticket.worker_id,
            owner_name=owner,
            safety=ticket.safety,
            outcome=ticket.outcome,
            case=self._case(ticket.case_summary) if case else None,
        )

    def queue(self, member: StaffMember, now: datetime, *, page: int = 0) -> QueuePage:
        """A page of the tickets not closed that this person may see (urgent first, then first come
        first served) and how many there are per urgency, in one transaction.

        Each urgency is read on its own, in the order of the partial index on (urgency, created_at,
        id) of the tickets not closed (migration 0012): the first page never sorts the whole queue,
        and the counts come from the index on (district, urgency)."""
        with transaction(self.sessions) as session:
            read = self.queue_rows(session, member, page=page)
        return self.queue_page(read, now)

    def queue_rows(self, session: Session, member: StaffMember, *, page: int = 0) -> QueueRows:
        """What `queue` reads, inside a transaction the caller holds: a bounded number of statements
        however many tickets there are (the counts, the page's rows of the urgency it starts in and
        of the next ones while the page is not full, their owners' names in one). Nothing is
        decrypted here, so that the transaction is not held for it."""
        offset = max(page, 0) * PAGE_SIZE
        open_tickets = (HandoffTicket.status != "closed", member.may_see())
        counted = (
            select(HandoffTicket.urgency, func.count()).where(*open_tickets).group_by(HandoffTicket.urgency)
        )
        database = session.connection()  # Core statements: none of the ORM's per-statement work
        counts = {urgency: int(number) for urgency, number in database.execute(counted).all()}
        rows: list[Any] = []
        for urgency in (*URGENCIES, *sorted(set(counts) - set(URGENCIES))):
            here = counts.get(urgency, 0)
            if offset >= here:
                offset -= here
                continue
            query = (
                select(*VIEW_COLUMNS)
                .where(HandoffTicket.urgency == urgency, *open_tickets)
                .order_by(HandoffTicket.created_at, HandoffTicket.id)
                .offset(offset)
                .limit(PAGE_SIZE - len(rows))
            )
            rows += database.execute(query).all()
            offset = 0
            if len(rows) >= PAGE_SIZE:
                break
        # the owners' names in a second small query rather than a join (which a planner without
        # fresh statistics runs as a nested loop per ticket)
        owner_ids = {row.worker_id for row in rows if row.worker_id is not None}
        names: dict[int, str] = {}
        if owner_ids:
            owners = select(Worker.id, Worker.display_name).where(Worker.id.in_(owner_ids))
            names = {worker_id: name for worker_id, name in database.execute(owners).all()}
        return QueueRows(rows, names, counts, page)

    def queue_page(self, read: QueueRows, now: datetime) -> QueuePage:
        """The page of `queue_rows` as the console shows it (the summaries decrypted)."""
        tickets = [self._view(row, read.names.get(row.worker_id), now) for row in read.rows]
        return QueuePage(tickets, read.counts, read.page)

    def find(self, member: StaffMember, ticket_id: int, now: datetime) -> TicketView | None:
        """The ticket, or None when it does not exist or is not this person's to see."""
        with transaction(self.sessions) as session:
            return self.find_in(session, member, ticket_id, now)

    def find_in(
        self, session: Session, member: StaffMember, ticket_id: int, now: datetime
    ) -> TicketView | None:
        """`find` inside a transaction the caller holds."""
        query = (
            select(HandoffTicket, Worker.display_name)
            .outerjoin(Worker, Worker.id == HandoffTicket.worker_id)
            .where(HandoffTicket.id == ticket_id, member.may_see())
        )
        found = session.execute(query).first()
        return None if found is None else self._view(found[0], found[1], now, case=True)

    def claim(self, member: StaffMember, ticket_id: int, now: datetime) -> bool:
        """Take an open ticket: one UPDATE that only an open ticket matches, so of two workers
        claiming at once exactly one wins (the other's UPDATE finds it assigned)."""
        with transaction(self.sessions) as session:
            return self.claim_in(session, member, ticket_id, now)

    def claim_in(self, session: Session, member: StaffMember, ticket_id: int, now: datetime) -> bool:
        """`claim` inside a transaction the caller holds (and commits: the claim holds from then)."""
        statement = (
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status == "open", member.may_see())
            .values(status="assigned", worker_id=member.id, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(session.connection().execute(statement), "rowcount", 0) == 1)

    def close(self, member: StaffMember, ticket_id: int, outcome: str, now: datetime) -> bool:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return self._owned_update(member, ticket_id, status="closed", outcome=outcome, closed_at=now)

    def _owned_update(self, member: StaffMember, ticket_id: int, **values: object) -> bool:
        """Only the owner changes a claimed ticket (a supervisor or admin may too, within scope)."""
        owned = HandoffTicket.worker_id == member.id
        condition = member.may_see() if member.supervises else owned & member.may_see()
        statement = (
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status == "assigned", condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        with transaction(self.sessions) as session:
            return bool(getattr(session.execute(statement), "rowcount", 0) == 1)

    def transcript(self, user_key: str, after: int = 0) -> list[LoggedMessage]:
        """The family's messages (decrypted), oldest first; `after` a message id already shown."""
        query = (
            select(MessageLog)
            .where(MessageLog.user_key == user_key, MessageLog.id > after)
            .order_by(MessageLog.id)
        )
        with transaction(self.sessions) as session:
            return [
                LoggedMessage(row.id, row.direction, self._decrypt(row.body), row.created_at)
                for row in session.scalars(query)
            ]

    def add_note(self, member: StaffMember, ticket: TicketView, text: str, now: datetime) -> None:
        with transaction(self.sessions) as session:
            session.add(
                TicketNote(
                    user_key=ticket.user_key,
                    ticket_id=ticket.id,
                    worker_id=member.id,
                    body=self.cipher.encrypt(text),
                    created_at=now,
                )
            )

    def notes(self, ticket_id: int) -> list[Note]:
        query = (
            select(TicketNote, Worker.display_name)
            .outerjoin(Worker, Worker.id == TicketNote.worker_id)
            .where(TicketNote.ticket_id == ticket_id)
            .order_by(TicketNote.id)
        )
        with transaction(self.sessions) as session:
            return [
                Note(author or "?", self._decrypt(note.body), note.created_at)
                for note, author in session.execute(query).all()
            ]


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(
        self,
        worker_id: int | None,
        login: str,
        action: str,
        now: datetime,
        *,
        ticket: TicketView | None = None,
        detail: str = "",
    ) -> None:
        with transaction(self.sessions) as session:
            add_entry(session, worker_id, login, action, now, ticket=ticket, detail=detail)

    def entries(self, member: StaffMember, limit: int | None = 500) -> list[AuditEntry]:
        """What `member` may read of the log, newest first: an admin everything; a supervisor what
        was done in their city (by a worker of that city, or on a ticket of that city); nobody else
        anything."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if member.role != "admin":
            city = member.city if member.role == "supervisor" else None
            if city is None:
                return []
            query = (
                query.outerjoin(Worker, Worker.login == AuditEntry.worker_login)
                .outerjoin(HandoffTicket, HandoffTicket.id == AuditEntry.ticket_id)
                .where((Worker.city == city) | (HandoffTicket.city == city))
            )
        if limit is not None:
            query = query.limit(limit)
        with self.sessions() as session:
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows


def add_entry(
    session: Session,
    worker_id: int | None,
    login: str,
    action: str,
    now: datetime,
    *,
    ticket: TicketView | None = None,
    detail: str = "",
) -> None:
    """An entry of the audit log about a ticket as the console shows it (or none), written in the
    caller's transaction (so that what a request does and its entry are committed together, or
    neither is)."""
    insert_entry(
        session,
        worker_id,
        login,
        action,
        now,
        ticket_id=ticket.id if ticket else None,
        user_key=ticket.user_key if ticket else "",
        detail=detail,
    )


def insert_entry(
    session: Session,
    worker_id: int | None,
    login: str,
    action: str,
    now: datetime,
    *,
    ticket_id: int | None,
    user_key: str,
    detail: str,
) -> None:
    """The one INSERT of an audit entry (no ORM object), in the caller's transaction: the console's
    entries and the key children's."""
    session.connection().execute(
        insert(AuditEntry).values(
            worker_id=worker_id,
            worker_login=login[:64],
            action=action,
            ticket_id=ticket_id,
            user_key=user_key,
            detail=detail[:200],
            created_at=now,
        )
    )


def csv_rows(entries: Iterable[AuditEntry]) -> Iterable[list[str]]:
    yield ["id", "at", "worker", "action", "ticket", "detail"]
    for entry in entries:
        ticket = "" if entry.ticket_id is None else str(entry.ticket_id)
        yield [
            str(entry.id),
            entry.created_at.isoformat(),
            entry.worker_login,
            entry.action,
            ticket,
            entry.detail,
        ]
