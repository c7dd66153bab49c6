"""Demand: what families ask about, by topic, by place (one level below the scope) and by week."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.reports import rollup
from bot.reports.query import counts, week_of
from bot.reports.registry import Inputs, report
from bot.reports.report import Chart, Count, RawCell, RawTable, Report, Scope
from bot.reports.suppression import Position, suppress
from bot.storage.models import TurnLog
from core.i18n import N_

UNKNOWN = "-"  # a place the family did not say


Figures = dict[tuple[Any, ...], Count]


@report("demand")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    until = now.astimezone(inputs.zone).date()
    built = rollup.usable(session, scope, now, inputs.rollup)
    by_topic, by_place, by_week = figures(session, scope, since, until, from_rollup=built is not None)
    topics = sorted(by_topic, key=lambda key: (-by_topic[key].value, key))
    topic_rows: list[tuple[RawCell, ...]] = [
        (topic, by_topic[(topic,)], _families(by_topic[(topic,)])) for (topic,) in topics
    ]
    place_keys = sorted(by_place, key=lambda key: (str(key[0] or UNKNOWN), key[1]))
    place_rows: list[tuple[RawCell, ...]] = [(key[0] or UNKNOWN, key[1], by_place[key]) for key in place_keys]
    week_keys = sorted(by_week, key=lambda key: (key[0], key[1]))
    week_rows: list[tuple[RawCell, ...]] = [(_day(key[0]), key[1], by_week[key]) for key in week_keys]
    groups: list[list[Position]] = []
    for row, (topic,) in enumerate(topics):
        # a topic's total is the sum of its places and the sum of its weeks: never one cell hidden alone
        groups.append([(0, row, 1), *((1, i, 2) for i, key in enumerate(place_keys) if key[1] == topic)])
        groups.append([(0, row, 1), *((2, i, 2) for i, key in enumerate(week_keys) if key[1] == topic)])
    tables = suppress(
        (
            RawTable(
                N_("各类问题的数量"),
                ("topic", "questions", "families"),
                tuple(topic_rows),
                Chart("bar", "topic", "questions"),
                (N_("主题"), N_("问题数"), N_("家庭数")),
            ),
            RawTable(
                N_("各地的问题"),
                (scope.place_column, "topic", "questions"),
                tuple(place_rows),
                Chart("bar", scope.place_column, "questions", series="topic"),
                (N_("地方"), N_("主题"), N_("问题数")),
            ),
            RawTable(
                N_("每周的问题"),
                ("week", "topic", "questions"),
                tuple(week_rows),
                Chart("line", "week", "questions", series="topic"),
                (N_("周（周一）"), N_("主题"), N_("问题数")),
            ),
        ),
        groups,
    )
    return Report("demand", N_("家长问什么"), scope, since, now, built or now, tables)


def _weekly(by_day: Figures) -> Figures:
    """{(monday, topic): Count} from the rollup's {(day, topic): Count} of a weekly measure (each
    family counted on its last day of the week)."""
    weeks: Figures = {}
    for (day, topic), count in by_day.items():
        key = (rollup.monday(day), topic)
        before = weeks.get(key, Count(0, 0))
        weeks[key] = Count(before.value + count.value, before.families + count.families)
    return weeks


def figures(
    session: Session, scope: Scope, since: date, until: date, from_rollup: bool
) -> tuple[Figures, Figures, Figures]:
    """Questions (and families) by topic, by (place, topic) and by (week, topic), from the daily
    rollup or from the log: the same figures either way (tests/bot/reports/test_rollup.py)."""
    level = rollup.level_of(scope)
    if from_rollup and level is not None:
        by_topic = rollup.sums(session, rollup.TOPIC, level, scope, since, until, ["key1"])
        by_place = rollup.sums(
            session, rollup.TOPIC, rollup.below(level), scope, since, until, [scope.place_column, "key1"]
        )
        by_day = rollup.sums(session, rollup.TOPIC_WEEK, level, scope, since, until, ["day", "key1"])
        return by_topic, by_place, _weekly(by_day)
    place = getattr(TurnLog, scope.place_column)
    asked = TurnLog.question.is_(True) & TurnLog.topic.is_not(None)
    week = week_of(session, TurnLog.day)
    return (
        counts(session, TurnLog, [TurnLog.topic], scope, since, until, asked),
        counts(session, TurnLog, [place, TurnLog.topic], scope, since, until, asked),
        counts(session, TurnLog, [week, TurnLog.topic], scope, since, until, asked),
    )


def _families(count: Count) -> Count:
    return Count(count.families, count.families)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
