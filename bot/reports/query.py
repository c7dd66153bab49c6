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
    # rows per (keys, family) first, then families per keys: two hash aggregations, much faster on
    # a large log than count(DISTINCT family), which sorts
    labelled = [key.label(f"k{n}") for n, key in enumerate(keys)]
    per_family = (
        select(*labelled, model.family, func.count().label("n"))
        .where(scope.where(model), day >= since, day <= until, *conditions)
        .group_by(*keys, model.family)
        .subquery()
    )
    outer = [per_family.c[f"k{n}"] for n in range(len(keys))]
    query = select(*outer, func.sum(per_family.c.n), func.count()).group_by(*outer)
    found: dict[tuple[Any, ...], Count] = {}
    for row in session.execute(query):
        *values, rows, families = row
        found[tuple(_plain(value) for value in values)] = Count(int(rows), int(families))
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value)  # SQLite's date() gives text
    return value
