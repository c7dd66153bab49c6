"""Storage on both databases: migrations apply, are idempotent, reverse, and store what they should."""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from bot import database
from bot.storage.models import KnowledgeImport, UnansweredQuestion
from core.database import Base, make_sessions, transaction


def test_migrations_create_every_table_of_the_models(engine: Engine) -> None:
    database.upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_harmless_and_keeps_rows(engine: Engine) -> None:
    database.upgrade(engine)
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        session.add(UnansweredQuestion(text="孩子学游泳有补贴吗", channel="cli", province="fujian"))
    database.upgrade(engine)
    with sessions() as session:
        assert session.scalars(select(UnansweredQuestion.text)).all() == ["孩子学游泳有补贴吗"]


def test_downgrade_to_base_removes_the_tables(engine: Engine) -> None:
    database.upgrade(engine)
    database.downgrade(engine, "base")
    assert "unanswered_question" not in inspect(engine).get_table_names()


def test_import_audit_rows_store_unicode_and_timestamps(engine: Engine) -> None:
    database.upgrade(engine)
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        session.add(
            KnowledgeImport(
                file_name="厦门清单.xlsx", province="fujian", city="xiamen", services=20, sha256="0" * 64
            )
        )
    with sessions() as session:
        row = session.scalars(select(KnowledgeImport)).one()
        assert row.file_name == "厦门清单.xlsx" and row.imported_at is not None


def test_failed_transaction_keeps_what_was_stored(engine: Engine) -> None:
    database.upgrade(engine)
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        session.add(UnansweredQuestion(text="first", channel="cli"))
    try:
        with transaction(sessions) as session:
            session.add(UnansweredQuestion(text="second", channel="cli"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with sessions() as session:
        assert session.scalars(select(UnansweredQuestion.text)).all() == ["first"]
