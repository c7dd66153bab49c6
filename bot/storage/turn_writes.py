"""What a turn writes at its end: the conversation's new messages, the turn log's row and the new
state (and, when the channel asks, whether reminders wait for the parent).

On PostgreSQL these are one statement: the state's UPDATE, with the inserts as data-modifying CTEs
that take their rows from what the UPDATE returned, so that all are written or none. One round
trip instead of three, and two statements fewer for the driver and SQLAlchemy to carry out: the turn
was most of a chat request's cost, and its round trips each a release and a re-take of the
interpreter's lock by a turn thread. A turn taken without a lock (bot/conversation.py) adds the
version it read as a condition of the UPDATE (`write_turn_if_unchanged`): if another turn stored a
state in between, nothing is written. On SQLite (in process, where a statement costs no round trip,
and which has no data-modifying CTEs) the writes are run one after the other, in the same order,
always under the lock.

The statement is built once per shape (how many messages, with or without the turn's row, with or
without the look for waiting reminders, with or without the version) and kept: a handful of shapes
in all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Integer,
    String,
    Table,
    bindparam,
    column,
    func,
    select,
    true,
    values,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.sql.expression import ColumnElement

from bot.storage.models import Conversation, MessageLog, TurnLog
from reminders.store import waiting_exists

_CONVERSATION = cast(Table, Conversation.__table__)
_MESSAGES = cast(Table, MessageLog.__table__)
_TURNS = cast(Table, TurnLog.__table__)
_TURN_COLUMNS = tuple(column.name for column in _TURNS.columns if column.name != "id")

_STORE_STATE = (
    _CONVERSATION.update()
    .where(_CONVERSATION.c.id == bindparam("row_id"))
    .values(
        state=bindparam("state"),
        version=_CONVERSATION.c.version + 1,
        updated_at=bindparam("updated_at"),
    )
)
# RETURNING works on PostgreSQL and on SQLite from 3.35
_STORE_STATE_SEE_WAITING = _STORE_STATE.returning(waiting_exists().label("waiting"))
_LOG_MESSAGES = _MESSAGES.insert()
_LOG_TURN = _TURNS.insert()


@dataclass(frozen=True)
class TurnWrite:
    """One turn's writes: its messages as (direction, encrypted body), its turn-log row (None for a
    turn that is not a parent's), the new encrypted state of the locked row."""

    user_key: str
    row_id: int
    state: bytes
    now: datetime
    messages: Sequence[tuple[str, bytes]] = ()
    turn: dict[str, object] | None = None


def log_messages(
    connection: Connection, user_key: str, messages: Sequence[tuple[str, bytes]], now: datetime
) -> None:
    """Messages written at once (executemany), for a turn whose effects must see them stored."""
    if messages:
        rows = [
            {"user_key": user_key, "direction": direction, "body": body, "created_at": now}
            for direction, body in messages
        ]
        connection.execute(_LOG_MESSAGES, rows)


def write_turn(connection: Connection, write: TurnWrite, *, see_waiting: bool) -> bool:
    """The turn's writes; returns whether reminders wait for the parent (False unless `see_waiting`)."""
    if connection.dialect.name == "postgresql":
        waiting = _write_in_one(connection, write, see_waiting, version=None)
        if waiting is None:  # the row is locked by this transaction: it cannot have gone
            raise RuntimeError("the locked conversation row was not found to store the turn")
        return waiting
    state = _state_values(write, see_waiting)
    log_messages(connection, write.user_key, write.messages, write.now)
    if write.turn is not None:
        connection.execute(_LOG_TURN, [write.turn])
    if see_waiting:
        return bool(connection.scalar(_STORE_STATE_SEE_WAITING, state))
    connection.execute(_STORE_STATE, state)
    return False


def write_turn_if_unchanged(
    connection: Connection, write: TurnWrite, *, version: int, see_waiting: bool
) -> bool | None:
    """The turn's writes, made only if the conversation is still at `version` (no other turn stored
    a state since it was read), in one statement without a transaction of its own (PostgreSQL,
    autocommit): the state's UPDATE checks the version, and the inserts take their rows from what it
    updated, so either all are written or none. Returns None when the conversation changed (nothing
    written), else whether reminders wait for the parent (False unless `see_waiting`)."""
    return _write_in_one(connection, write, see_waiting, version)


def _write_in_one(
    connection: Connection, write: TurnWrite, see_waiting: bool, version: int | None
) -> bool | None:
    """The one statement (PostgreSQL), with the version as a condition unless None: None when it
    updated no row (nothing written), else whether reminders wait (False unless `see_waiting`)."""
    shape = (len(write.messages), write.turn is not None, see_waiting, version is not None)
    sql, constants = _combined(connection.dialect, *shape)
    bound = {**constants, **_bound(write, see_waiting)}
    if version is not None:
        bound["version"] = version
    row = connection.exec_driver_sql(sql, bound).one()
    if not row[0]:
        return None
    return bool(row[1]) if see_waiting else False


def _state_values(write: TurnWrite, see_waiting: bool) -> dict[str, Any]:
    """What the state's UPDATE binds, and the parent's key for the look for waiting reminders."""
    values: dict[str, Any] = {"row_id": write.row_id, "state": write.state, "updated_at": write.now}
    if see_waiting:
        values["key"] = write.user_key
    return values


def _bound(write: TurnWrite, see_waiting: bool) -> dict[str, Any]:
    """The values the one statement binds."""
    values = _state_values(write, see_waiting)
    values.update({"m_key": write.user_key, "m_at": write.now})
    for number, (direction, body) in enumerate(write.messages):
        values[f"m_direction_{number}"] = direction
        values[f"m_body_{number}"] = body
    if write.turn is not None:
        values.update({f"t_{name}": write.turn[name] for name in _TURN_COLUMNS})
    return values


@lru_cache(maxsize=64)
def _combined(
    dialect: Dialect, messages: int, with_turn: bool, see_waiting: bool, versioned: bool
) -> tuple[str, dict[str, Any]]:
    """The state's UPDATE (with the version as a condition when `versioned`) and the inserts as
    data-modifying CTEs that take their rows from what it updated (PostgreSQL), for one shape of
    turn: its SQL in the driver's own terms, and the values it always binds (the version's step, the
    waiting status). Compiled here once: SQLAlchemy keeps no compiled form of a statement with
    data-modifying CTEs, and compiling it took longer than the rest of the turn's storage. Its
    values are cast to their columns' types: in a SELECT, unlike in an INSERT's VALUES, PostgreSQL
    has no column to take a parameter's type from."""
    update = (
        _STORE_STATE.where(_CONVERSATION.c.version == bindparam("version")) if versioned else _STORE_STATE
    )
    updated = update.returning(_CONVERSATION.c.id).cte("updated")
    ctes = [updated]
    if messages:
        said = values(
            column("n", Integer),
            column("direction", _MESSAGES.c.direction.type),
            column("body", _MESSAGES.c.body.type),
            name="said",
        ).data(
            [
                (
                    number,
                    _typed(f"m_direction_{number}", _MESSAGES.c.direction),
                    _typed(f"m_body_{number}", _MESSAGES.c.body),
                )
                for number in range(messages)
            ]
        )
        rows = (
            select(
                _typed("m_key", _MESSAGES.c.user_key).label("user_key"),
                said.c.direction,
                said.c.body,
                _typed("m_at", _MESSAGES.c.created_at).label("created_at"),
            )
            .select_from(updated.join(said, true()))
            .order_by(said.c.n)  # the ids follow the order the messages were said
        )
        ctes.append(
            _MESSAGES.insert()
            .from_select(["user_key", "direction", "body", "created_at"], rows)
            .cte("turn_messages")
        )
    if with_turn:
        turn = select(*(_typed(f"t_{name}", _TURNS.c[name]).label(name) for name in _TURN_COLUMNS))
        turn = turn.select_from(updated)
        ctes.append(_TURNS.insert().from_select(list(_TURN_COLUMNS), turn).cte("turn_row"))
    written = select(func.count()).select_from(updated).scalar_subquery()
    columns: list[ColumnElement[Any]] = [written.label("written")]
    if see_waiting:
        columns.append(waiting_exists().label("waiting"))
    compiled = select(*columns).add_cte(*ctes).compile(dialect=dialect)
    constants = {name: value for name, value in compiled.params.items() if value is not None}
    return str(compiled), constants


def _typed(name: str, target: Column[Any]) -> ColumnElement[Any]:
    """A parameter cast to its column's type; a string to an unsized one, so that a value too long
    for its column fails as in an INSERT's VALUES (a cast to VARCHAR(n) would cut it short)."""
    kind = String() if isinstance(target.type, String) else target.type
    return sql_cast(bindparam(name), kind)
