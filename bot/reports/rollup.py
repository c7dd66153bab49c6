"""The daily rollup of the turn log (report_rollup), so that the demand and uptake reports of a
province or a city, for any first day, read a few thousand rows instead of the log.

Counting turns over a period is a sum over its days. Counting distinct families is not: a family who
asked on two days is one family. But every report's period runs from its first day to today (the day
of `now`), so a family counts in a cell exactly when its last turn of the cell is on or after the
first day. The rollup therefore stores, per cell and day, the day's turns and the families whose
last turn of the cell fell on that day; the families of [since, today] are the sum over the days
from `since`, exactly as the log would count them. The same holds per week (the families whose last
turn of the cell in that week fell on that day) and for the step a family was last at in a flow (its
newest turn of the flow in the cell: it is in the period exactly when its day is; a family's turns
are serialised, so its newest row is also its latest day).

Distinct families do not add up across places either, so each measure is stored per level (0 every
place, 1 a province, 2 a city, 3 a district) with the families counted at that level.

The scheduler rebuilds it in one transaction (bot/jobs.py, hourly, before the summaries) and records
the time: a report built from it is fresh as of then (`Report.fresh_as_of`). A report is built from
the log instead when there is no rollup younger than MAX_AGE, when it is older than `now` asks for
(a report as of an earlier moment), for a district (the log's indexes make those fast, and its
figures stay live), or when `Inputs.rollup` is off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.reports.query import week_of
from bot.reports.refresh import mark, refreshed_at
from bot.reports.report import Count, Scope
from bot.storage.models import ReportRollup, TurnLog
from core.database import transaction

ROLLUP = "rollup"  # its row in report_refresh
MAX_AGE = timedelta(hours=3)  # the scheduler rebuilds it hourly: older than this, the log is read
PLACES = ("province", "city", "district")
LEVELS = (0, 1, 2, 3)
FINISHED = ""  # key2 of a family whose newest turn of the flow finished it
NO_STEP = "-"

TOPIC = "topic"  # questions with a topic: key1 the topic
TOPIC_WEEK = "topic_week"  # the same, families counted per week
ASKED = "asked"  # questions about a service (an entitlement)
STARTED = "started"  # turns in a guided flow
FINISHED_FLOW = "finished"  # turns that finished a flow to its checklist
FLOW_LAST = "flow_last"  # key1 the flow, key2 the step the family was last at (FINISHED when done)


@dataclass(frozen=True)
class Measure:
    name: str
    condition: ColumnElement[bool]
    keys: tuple[Any, ...]  # the key columns (key1)
    levels: tuple[int, ...]
    weekly: bool = False  # families counted per week


def _measures() -> tuple[Measure, ...]:
    asked = TurnLog.question.is_(True) & TurnLog.topic.is_not(None)
    return (
        Measure(TOPIC, asked, (TurnLog.topic,), LEVELS),
        Measure(TOPIC_WEEK, asked, (TurnLog.topic,), (0, 1, 2), weekly=True),
        Measure(ASKED, TurnLog.service.is_not(None) & TurnLog.question.is_(True), (), (1, 2, 3)),
        Measure(STARTED, TurnLog.flow.is_not(None), (), (1, 2, 3)),
        Measure(FINISHED_FLOW, TurnLog.finished.is_(True), (), (1, 2, 3)),
    )


def level_of(scope: Scope) -> int | None:
    """The rollup level a scope reads (0 to 3), or None for a scope the rollup does not hold (a city
    without its province)."""
    parts = (scope.province, scope.city, scope.district)
    level = sum(1 for part in parts if part is not None)
    return level if all(part is not None for part in parts[:level]) else None


def below(level: int) -> int:
    """The level of the places a report breaks a scope's figures into (a district's own)."""
    return min(level + 1, 3)


def rebuild(sessions: sessionmaker[Session], now: datetime) -> int:
    """Replace the rollup with one built from the whole turn log; returns its number of rows."""
    with transaction(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            # several server processes tick the scheduler: one rebuild at a time (readers go on
            # reading the rollup being replaced), or two would each insert a copy
            session.execute(text("LOCK TABLE report_rollup IN EXCLUSIVE MODE"))
        session.execute(delete(ReportRollup))
        for measure in _measures():
            for level in measure.levels:
                session.execute(insert(ReportRollup).from_select(_COLUMNS, _counted(session, measure, level)))
        for level in (0, 1, 2):
            session.execute(insert(ReportRollup).from_select(_COLUMNS, _last_steps(level)))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE report_rollup"))  # its new rows' statistics, for the reads
        mark(session, ROLLUP, now)
        return int(session.scalar(select(func.count()).select_from(ReportRollup)) or 0)


_COLUMNS = ("measure", "level", "province", "city", "district", "key1", "key2", "day", "turns", "families")


def _places(level: int, source: Any) -> list[Any]:
    """The place columns of a level: the real ones down to it, empty below."""
    return [getattr(source, name) if n < level else cast(null(), String(32)) for n, name in enumerate(PLACES)]


def _counted(session: Session, measure: Measure, level: int) -> Any:
    """Per place of the level, key and day: the turns of the day, and the families whose last turn
    of the cell (of the week, when weekly) fell on that day."""
    places = [getattr(TurnLog, name) for name in PLACES[:level]]
    keys = list(measure.keys)
    turns = (
        select(
            *places,
            *keys,
            TurnLog.day.label("day"),
            func.count().label("turns"),
            literal(0).label("families"),
        )
        .where(measure.condition)
        .group_by(*places, *keys, TurnLog.day)
    )
    period = [week_of(session, TurnLog.day)] if measure.weekly else []
    last = (
        select(*places, *keys, TurnLog.family, func.max(TurnLog.day).label("last"))
        .where(measure.condition)
        .group_by(*places, *keys, *period, TurnLog.family)
        .subquery()
    )
    last_places = [last.c[name] for name in PLACES[:level]]
    last_keys = [last.c[key.key] for key in keys]
    families = select(
        *last_places,
        *last_keys,
        last.c["last"].label("day"),
        literal(0).label("turns"),
        func.count().label("families"),
    ).group_by(*last_places, *last_keys, last.c["last"])
    both = union_all(turns, families).subquery()
    both_places = [both.c[name] for name in PLACES[:level]]
    both_keys = [both.c[key.key] for key in keys]
    key1 = both_keys[0] if both_keys else cast(null(), String(40))
    return select(
        literal(measure.name, String(16)),
        literal(level, Integer),
        *both_places,
        *[cast(null(), String(32)) for _ in PLACES[level:]],
        key1,
        cast(null(), String(40)),
        both.c.day,
        cast(func.sum(both.c.turns), Integer),
        cast(func.sum(both.c.families), Integer),
    ).group_by(*both_places, *both_keys, both.c.day)


def _last_steps(level: int) -> Any:
    """Per place of the level, flow, step and day: the families whose newest turn of the flow (in
    that place) was at that step (FINISHED: it finished the flow) on that day."""
    places = [getattr(TurnLog, name) for name in PLACES[:level]]
    ranked = (
        select(
            *places,
            TurnLog.flow,
            case(
                (TurnLog.finished.is_(True), literal(FINISHED)), else_=func.coalesce(TurnLog.step, NO_STEP)
            ).label("last_step"),
            TurnLog.day,
            func.row_number()
            .over(partition_by=(*places, TurnLog.family, TurnLog.flow), order_by=TurnLog.id.desc())
            .label("newest"),
        )
        .where(TurnLog.flow.is_not(None))
        .subquery()
    )
    ranked_places = [ranked.c[name] for name in PLACES[:level]]
    return (
        select(
            literal(FLOW_LAST, String(16)),
            literal(level, Integer),
            *ranked_places,
            *[cast(null(), String(32)) for _ in PLACES[level:]],
            ranked.c.flow,
            ranked.c.last_step,
            ranked.c.day,
            literal(0, Integer),
            cast(func.count(), Integer),
        )
        .where(ranked.c.newest == 1)
        .group_by(*ranked_places, ranked.c.flow, ranked.c.last_step, ranked.c.day)
    )


def usable(session: Session, scope: Scope, now: datetime, wanted: bool = True) -> datetime | None:
    """When the rollup can build this scope's report as of `now`: the time it was built, else None."""
    level = level_of(scope)
    if not wanted or level is None or level > 2:
        return None
    built = refreshed_at(session, ROLLUP)
    if built is None or built > now or now - built > MAX_AGE:
        return None
    return built


def sums(
    session: Session,
    measure: str,
    level: int,
    scope: Scope,
    since: date,
    until: date,
    groups: Sequence[str],
) -> dict[tuple[Any, ...], Count]:
    """{(values of `groups`...): Count(turns, families)} of a measure at a level in the scope, over
    [since, until]: the same figures as bot/reports/query.counts over the log (until is today)."""
    columns = [getattr(ReportRollup, name) for name in groups]
    query = (
        select(*columns, func.sum(ReportRollup.turns), func.sum(ReportRollup.families))
        .where(
            ReportRollup.measure == measure,
            ReportRollup.level == level,
            scope.where(ReportRollup),
            and_(ReportRollup.day >= since, ReportRollup.day <= until),
        )
        .group_by(*columns)
    )
    found: dict[tuple[Any, ...], Count] = {}
    for row in session.execute(query):
        *values, turns, families = row
        found[tuple(values)] = Count(int(turns), int(families))
    return found


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
