"""The console's workers: argon2id password hashes, roles and what each role may see, and the lock-out
after repeated failed logins. `tongxing worker ...` and the console's login both come through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import HandoffTicket, Worker
from core.database import transaction

ROLES = ("worker", "supervisor", "admin")
MAX_FAILURES = 5  # failed logins in a row before the account is locked
LOCK_OUT = timedelta(minutes=15)
MIN_PASSWORD = 10
Role = Literal["worker", "supervisor", "admin"]
# what a session's check reads of its worker (not the password hash)
MEMBER_COLUMNS = (
    Worker.id,
    Worker.login,
    Worker.display_name,
    Worker.role,
    Worker.city,
    Worker.districts,
    Worker.session_epoch,
    Worker.disabled,
)


class WorkerError(ValueError):
    """A worker that cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True)
class StaffMember:
    """A worker as the console sees them (no hash)."""

    id: int
    login: str
    display_name: str
    role: str
    city: str | None
    districts: tuple[str, ...]
    session_epoch: int

    @property
    def supervises(self) -> bool:
        return self.role in ("supervisor", "admin")

    def may_see(self) -> ColumnElement[bool]:
        """The tickets this person may see, as a condition on HandoffTicket: a worker their
        districts (in their city, when one is set), a supervisor their city, an admin everything."""
        if self.role == "admin":
            return true()
        if self.role == "supervisor":
            return HandoffTicket.city == self.city if self.city else false()
        if not self.districts:
            return false()
        condition = HandoffTicket.district.in_(self.districts)
        return condition & (HandoffTicket.city == self.city) if self.city else condition


def _member(row: Worker) -> StaffMember:
    return StaffMember(
        row.id, row.login, row.display_name, row.role, row.city, tuple(row.districts or ()), row.session_epoch
    )


def check_new_worker(role: str, city: str | None, districts: list[str], password: str) -> None:
    if role not in ROLES:
        raise WorkerError(f"role must be one of {', '.join(ROLES)}")
    if role == "worker" and not districts:
        raise WorkerError("a worker needs at least one --district")
    if role == "supervisor" and not city:
        raise WorkerError("a supervisor needs --city")
    if len(password) < MIN_PASSWORD:
        raise WorkerError(f"the password needs at least {MIN_PASSWORD} characters")


class Workers:
    def __init__(self, sessions: sessionmaker[Session], hasher: PasswordHasher | None = None) -> None:
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()

    def create(
        self,
        login: str,
        display_name: str,
        password: str,
        role: str,
        now: datetime,
        *,
        city: str | None = None,
        districts: list[str] | None = None,
    ) -> StaffMember:
        check_new_worker(role, city, districts or [], password)
        with transaction(self.sessions) as session:
            if session.scalars(select(Worker).where(Worker.login == login)).first() is not None:
                raise WorkerError(f"a worker called {login!r} exists already")
            row = Worker(
                login=login,
                display_name=display_name,
                password_hash=self.hasher.hash(password),
                role=role,
                city=city,
                districts=list(districts or []),
                disabled=False,
                failed_logins=0,
                session_epoch=0,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _member(row)

    def _change(self, login: str, **values: Any) -> None:
        with transaction(self.sessions) as session:
            row = session.scalars(select(Worker).where(Worker.login == login)).first()
            if row is None:
                raise WorkerError(f"no worker called {login!r}")
            for name, value in values.items():
                setattr(row, name, value)
            row.session_epoch += 1  # whatever changed, every open session of theirs ends

    def disable(self, login: str) -> None:
        self._change(login, disabled=True)

    def reset_password(self, login: str, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise WorkerError(f"the password needs at least {MIN_PASSWORD} characters")
        self._change(login, password_hash=self.hasher.hash(password), failed_logins=0, locked_until=None)

    def end_sessions(self, worker_id: int) -> None:
        with transaction(self.sessions) as session:
            row = session.get(Worker, worker_id)
            if row is not None:
                row.session_epoch += 1

    def authenticate(self, login: str, password: str, now: datetime) -> StaffMember | None:
        """The worker when the password is right and the account neither disabled nor locked. Five
        failures in a row lock the account for 15 minutes (a right password then fails too)."""
        with transaction(self.sessions) as session:
            row = session.scalars(select(Worker).where(Worker.login == login).with_for_update()).first()
            if row is None:
                self.hasher.hash(password)  # the same time spent for a login that does not exist
                return None
            if row.disabled or (row.locked_until is not None and _aware(row.locked_until, now) > now):
                return None
            try:
                self.hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                row.failed_logins += 1
                if row.failed_logins >= MAX_FAILURES:
                    row.locked_until = now + LOCK_OUT
                    row.failed_logins = 0
                return None
            row.failed_logins = 0
            row.locked_until = None
            if self.hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self.hasher.hash(password)
            return _member(row)

    def active(self, worker_id: int, epoch: int) -> StaffMember | None:
        """The worker of a session, while the session is still valid for them."""
        with transaction(self.sessions) as session:
            return active_in(session, worker_id, epoch)

    def listed(self) -> list[StaffMember]:
        with transaction(self.sessions) as session:
            rows = session.scalars(select(Worker).where(Worker.disabled.is_(False)).order_by(Worker.id))
            return [_member(row) for row in rows]


def active_in(session: Session, worker_id: int, epoch: int) -> StaffMember | None:
    """`Workers.active` inside a transaction the caller holds (the console reads the worker of a
    request in the same transaction as what the request reads and writes)."""
    row = session.connection().execute(select(*MEMBER_COLUMNS).where(Worker.id == worker_id)).first()
    if row is None or row.disabled or row.session_epoch != epoch:
        return None
    return StaffMember(
        row.id, row.login, row.display_name, row.role, row.city, tuple(row.districts or ()), row.session_epoch
    )


def _aware(moment: datetime, now: datetime) -> datetime:
    """SQLite gives naive datetimes back: read them in the zone of `now`."""
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment
