"""SQLite's transactions within one process: they wait for each other on a lock in memory (not in
SQLite's busy handler, which sleeps), and a committed or rolled-back transaction frees the next one
at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text

from core.database import make_engine


def test_concurrent_sqlite_transactions_of_one_process_wait_in_memory_not_in_sqlite(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # after make_engine's own pragmas: a transaction that met another in SQLite fails at once
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    failures: list[Exception] = []

    def add_one() -> None:
        try:
            with engine.begin() as connection:
                value = connection.execute(text("SELECT n FROM counter")).scalar_one()
                time.sleep(0.002)  # a turn's work, long enough for the others to pile up
                connection.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
        except Exception as error:  # "database is locked": SQLite was asked to wait
            failures.append(error)

    threads = [threading.Thread(target=add_one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 12  # no lost update
    engine.dispose()


def test_a_rolled_back_sqlite_transaction_lets_the_next_one_begin_at_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        raise RuntimeError("the turn failed")
    begun = threading.Event()

    def other_thread() -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
            begun.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert begun.wait(5)  # the lock was given back by the rollback
    thread.join()
    engine.dispose()
