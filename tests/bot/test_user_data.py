"""Every table with a user key declares it, and /forget walks the declarations: nothing with the
user's key remains anywhere, audit rows stay anonymised, other users keep everything. Run on SQLite
and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.engine import Engine

import bot.storage.models  # noqa: F401  (registers every table of the project)
from bot import database
from bot.cipher import Cipher
from bot.storage.blocked import BlockedChats
from bot.storage.key_child_models import KeyChild, KeyChildVisit
from bot.storage.models import (
    AuditEntry,
    Conversation,
    Outbox,
    TicketNote,
    WeChatContact,
    WeChatOutbox,
    WeChatSubscription,
    WorkerAccess,
)
from bot.storage.user_data import (
    FORGOTTEN_PREFIX,
    OnForget,
    count_user_data,
    declared_models,
    undeclared_tables,
)
from core.database import Base, make_sessions, transaction
from core.message import Inbound
from reminders.store import PlannedReminder
from reminders.store import plan as plan_reminders
from tests.bot.scripted_engine import KEY, NOW, scripted_service


def _rows_of(engine: Engine, model: Any, key: str) -> int:
    column = getattr(model, model.__user_data__.user_key_column)
    with make_sessions(engine)() as session:
        return int(session.execute(select(func.count()).select_from(model).where(column == key)).scalar_one())


def test_every_table_with_a_user_key_declares_it() -> None:
    declared = declared_models(Base)
    assert undeclared_tables(Base.metadata, declared) == []
    names = {model.__tablename__ for model in declared}
    assert {"conversation", "message_log", "checklist", "handoff_ticket", "consent_record"} <= names
    assert {"worker_access", "state_quarantine"} <= names


def test_a_table_with_a_user_key_and_no_declaration_is_found() -> None:
    metadata = MetaData()
    Table("reminder", metadata, Column("id", Integer, primary_key=True), Column("user_key", String(128)))
    Table("plain", metadata, Column("id", Integer, primary_key=True), Column("name", String(10)))
    assert undeclared_tables(metadata, declared_models(Base)) == ["reminder"]


def test_audit_tables_are_anonymised_and_the_rest_deleted() -> None:
    policy = {model.__tablename__: model.__user_data__.on_forget for model in declared_models(Base)}
    assert policy["worker_access"] is OnForget.ANONYMISE
    assert policy["console_audit"] is OnForget.ANONYMISE  # the console's audit log: who did what stays
    anonymised = {name for name, action in policy.items() if action is OnForget.ANONYMISE}
    # a ticket and a key child stay as empty, ended lines so the worker learns that the family left
    # (their words are wiped first: bot/storage/appliers.py `delete_user_data`)
    assert anonymised == {"worker_access", "console_audit", "handoff_ticket", "key_child"}


def _fill_every_declared_table(engine: Engine, user: str) -> None:
    """Rows for `user` in every declared table, through the service where an effect writes them."""
    url = engine.url.render_as_string(hide_password=False)
    service = scripted_service(url)
    service.handle(Inbound(user_id=user, channel="test", text="child"))
    sessions = make_sessions(engine)
    with transaction(sessions) as session:
        row = session.scalars(select(Conversation).where(Conversation.user_key == f"test:{user}")).one()
        row.state = Cipher(KEY).encrypt("{not json")
        session.add(
            WorkerAccess(worker="社工小王", action="read_transcript", user_key=f"test:{user}", created_at=NOW)
        )
        session.add(WeChatContact(user_key=f"test:{user}", last_inbound_at=NOW, unsubscribed=False))
        session.add(WeChatOutbox(user_key=f"test:{user}", body=Cipher(KEY).encrypt("提醒"), created_at=NOW))
        session.add(WeChatSubscription(user_key=f"test:{user}", template_id="t1", scene=1000, granted_at=NOW))
        reminder = PlannedReminder(f"test:{user}", "test", "vaccine", "vaccine_dose", NOW.date(), NOW, "UTC")
        plan_reminders(session, [reminder], NOW)
        session.add(Outbox(user_key=f"test:{user}", body=Cipher(KEY).encrypt("社工的回复"), created_at=NOW))
        session.add(
            TicketNote(
                user_key=f"test:{user}",
                ticket_id=1,
                worker_id=1,
                body=Cipher(KEY).encrypt("备注"),
                created_at=NOW,
            )
        )
        session.add(
            KeyChild(
                user_key=f"test:{user}",
                ticket_id=1,
                city="xiamen",
                district="siming",
                worker_id=1,
                name=Cipher(KEY).encrypt("小明"),
                consent_method="phone",
                consent_by=1,
                consent_at=NOW,
                marked_on=NOW.date(),
                due={"contact": NOW.date().isoformat()},
            )
        )
        session.add(
            KeyChildVisit(
                key_child_id=1,
                user_key=f"test:{user}",
                worker_id=1,
                kind="contact",
                done_on=NOW.date(),
                note=Cipher(KEY).encrypt("见到孩子"),
                recorded_at=NOW,
            )
        )
        session.add(
            AuditEntry(
                worker_id=1,
                worker_login="wang",
                action="view_transcript",
                ticket_id=1,
                user_key=f"test:{user}",
                detail="",
                created_at=NOW,
            )
        )
    service.handle(Inbound(user_id=user, channel="test", text="hello"))  # the broken state goes to quarantine
    BlockedChats(sessions).block(f"test:{user}", NOW)  # the chat blocked the bot once (a 403)


def test_forget_leaves_nothing_with_the_users_key_in_any_declared_table(engine: Engine) -> None:
    database.upgrade(engine)
    _fill_every_declared_table(engine, "a")
    _fill_every_declared_table(engine, "b")
    declared = declared_models(Base)
    for model in declared:  # a newly declared table must be filled above, or this test proves nothing
        assert _rows_of(engine, model, "test:a") > 0, model.__tablename__
    before = {model.__tablename__: _rows_of(engine, model, "test:b") for model in declared}

    service = scripted_service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="a", channel="test", text="forget"))

    for model in declared:
        assert _rows_of(engine, model, "test:a") == 0, model.__tablename__
        assert _rows_of(engine, model, "test:b") == before[model.__tablename__], model.__tablename__
    with make_sessions(engine)() as session:
        audit = session.scalars(select(WorkerAccess)).all()
    anonymised = [row for row in audit if row.user_key.startswith(FORGOTTEN_PREFIX)]
    assert len(anonymised) == 1 and anonymised[0].worker == "社工小王"
    assert anonymised[0].action == "read_transcript"


def test_each_forget_gets_its_own_marker(engine: Engine) -> None:
    database.upgrade(engine)
    with transaction(make_sessions(engine)) as session:
        for user in ("test:a", "test:b"):
            session.add(WorkerAccess(worker="w", action="read_transcript", user_key=user, created_at=NOW))
    service = scripted_service(engine.url.render_as_string(hide_password=False))
    service.handle(Inbound(user_id="a", channel="test", text="forget"))
    service.handle(Inbound(user_id="b", channel="test", text="forget"))
    with make_sessions(engine)() as session:
        keys = set(session.scalars(select(WorkerAccess.user_key)).all())
    assert len(keys) == 2 and all(key.startswith(FORGOTTEN_PREFIX) for key in keys)


def test_the_forget_turn_itself_stores_nothing(engine: Engine) -> None:
    database.upgrade(engine)
    service = scripted_service(engine.url.render_as_string(hide_password=False))
    outcome = service.handle_outcome(Inbound(user_id="a", channel="test", text="forget"))
    assert [reply.text for reply in outcome.replies] == ["turn 1"]
    for model in declared_models(Base):
        assert _rows_of(engine, model, "test:a") == 0, model.__tablename__


def test_mydata_counts_every_declared_table_of_the_user_and_no_one_elses(engine: Engine) -> None:
    database.upgrade(engine)
    _fill_every_declared_table(engine, "a")
    _fill_every_declared_table(engine, "b")
    declared = declared_models(Base)
    with make_sessions(engine)() as session:
        stored = count_user_data(session, declared, "test:a")
    assert [item.table for item in stored] == [model.__tablename__ for model in declared]
    assert {item.table: item.count for item in stored} == {
        model.__tablename__: _rows_of(engine, model, "test:a") for model in declared
    }
    assert all(item.count > 0 for item in stored)
