"""The one shape of query every report runs: counts (rows and distinct families) of a table's rows
in a scope and a period, grouped by some columns. The filter columns (place, day) are indexed
(migrations/versions/0011_reports.py), so a city's month reads a small part of a large log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal_column, select
from sqlalchemy.orm import Session

from bot.reports.report import Count, Scope


def week_of(session: Session, day: Any) -> ColumnElement[Any]:
    """The Monday of a day's week, as a date, on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", day), Date)
    return func.date(day, literal_column("'weekday 0'"), literal_column("'-6 days'"))


def counts(
    session: Session,
    model: Any,
    keys: Sequence[Any],
    scope: Scope,
    since: date,
    until: date,
    *conditions: ColumnElement[bool],
    day_column: str = "day",
) -> dict[tuple[Any, ...], Count]:
    """{(key values...): Count(rows, distinct families)} for `model`'s rows of the scope whose day is
    in [since, until]."""
    day = getattr(model, day_column)
    query = (
        select(*keys, func.count(), func.count(model.family.distinct()))
        .where(scope.where(model), day >= since, day <= until, *conditions)
        .group_by(*keys)
    )
    found: dict[tuple[Any, ...], Count] = {}
    for row in session.execute(query):
        *values, rows, families = row
        found[tuple(_plain(value) for value in values)] = Count(int(rows), int(families))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value)  # SQLite's date() gives text
    return value
