"""Database base class, engine and session factory. Nothing is connected at import time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

_HOLDS_WRITER = "tongxing_holds_writer_lock"  # in Connection.info while a transaction is open
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table of the project."""

    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for SQLite (embedded default) or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: safe from corruption, fsync at checkpoints
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # One transaction at a time per process, waited for on a lock in memory. SQLite lets one
        # writer in at a time anyway (BEGIN IMMEDIATE below); without this lock the threads of one
        # server would wait for each other in SQLite's busy handler, which polls with sleeps of up to
        # 100 ms, and a turn's p99 would be those sleeps. Other processes on the same file still
        # wait in the busy handler (busy_timeout). Re-entrant, so a thread that opens a second
        # transaction inside its first behaves as before (SQLite refuses it after busy_timeout).
        writer = threading.RLock()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):  # type: ignore[no-untyped-def]
            # Writers take the lock at the start, so two turns of one user are applied one after the other.
            writer.acquire()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writer.release()
                raise
            connection.info[_HOLDS_WRITER] = writer

        def _end(connection: Connection, finish: Callable[[Any], None]) -> None:
            held = connection.info.pop(_HOLDS_WRITER, None)
            if held is None:
                return
            try:  # end the transaction before the next thread may begin one (else it would poll)
                finish(connection.connection.dbapi_connection)
            except Exception:  # SQLAlchemy's own commit or rollback, right after this event,
                pass  # tries again and reports the error its usual way
            finally:
                held.release()

        @event.listens_for(engine, "commit")
        def _commit(connection):  # type: ignore[no-untyped-def]
            _end(connection, lambda dbapi: dbapi.commit())

        @event.listens_for(engine, "rollback")
        def _rollback(connection):  # type: ignore[no-untyped-def]
            _end(connection, lambda dbapi: dbapi.rollback())

        return engine
    # A process runs up to `Settings.turn_threads` turns and `Settings.console_threads` console
    # requests at once, beside the scheduler's jobs: a pool of 10 keeps their connections open (with
    # the default 5, connections beyond it were opened and closed again in steady state under the
    # console bench's load).
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside one transaction: committed on success, rolled back on error."""
    with sessions() as session, session.begin():
        yield session
