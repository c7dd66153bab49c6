"""The uptake gap: per place, families who asked about an entitlement, who started a guided
application and who finished it to a checklist; and, per flow, the step where families who did not
finish last were (where they drop out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.reports import rollup
from bot.reports.query import counts
from bot.reports.registry import Inputs, report
from bot.reports.report import Chart, Count, RawCell, RawTable, Report, Scope
from bot.reports.suppression import Position, suppress
from bot.storage.models import TurnLog
from core.i18n import N_

UNKNOWN = "-"
NONE = Count(0, 0)


def _families(count: Count) -> Count:
    return Count(count.families, count.families)


Figures = dict[tuple[Any, ...], Count]
LastSteps = list[tuple[str, Any, int]]


@report("uptake")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    until = now.astimezone(inputs.zone).date()
    built = rollup.usable(session, scope, now, inputs.rollup)
    asked, started, finished, last = figures(session, scope, since, until, from_rollup=built is not None)
    places = sorted(set(asked) | set(started) | set(finished), key=lambda key: str(key[0] or UNKNOWN))
    place_rows: list[tuple[RawCell, ...]] = [
        (
            key[0] or UNKNOWN,
            _families(asked.get(key, NONE)),
            _families(started.get(key, NONE)),
            _families(finished.get(key, NONE)),
        )
        for key in places
    ]
    flows = sorted({flow for flow, _, _ in last})
    step_rows: list[tuple[RawCell, ...]] = []
    flow_rows: list[tuple[RawCell, ...]] = []
    groups: list[list[Position]] = []
    for flow in flows:
        done = sum(n for f, step, n in last if f == flow and step is None)
        steps = sorted(
            ((step, n) for f, step, n in last if f == flow and step is not None),
            key=lambda sn: (-sn[1], sn[0]),
        )
        left = sum(n for _, n in steps)
        flow_row = len(flow_rows)
        flow_rows.append((flow, Count(done + left, done + left), Count(done, done), Count(left, left)))
        first = len(step_rows)
        step_rows += [(flow, step, Count(n, n)) for step, n in steps]
        groups.append([(2, flow_row, 1), (2, flow_row, 2), (2, flow_row, 3)])
        groups.append([(2, flow_row, 3), *((1, row, 2) for row in range(first, len(step_rows)))])
    if len(flow_rows) == 1:
        # with one flow, its started and finished families are the sum of the places' columns
        for flow_column, place_column in ((1, 2), (2, 3)):
            groups.append([(2, 0, flow_column), *((0, row, place_column) for row in range(len(place_rows)))])
    tables = suppress(
        (
            RawTable(
                N_("各地：问过权益、开始办理、办完清单的家庭"),
                (scope.place_column, "asked", "started", "finished"),
                tuple(place_rows),
                Chart("bar", scope.place_column, "asked"),
                (N_("地方"), N_("问过权益的家庭"), N_("开始引导办理的家庭"), N_("办完清单的家庭")),
            ),
            RawTable(
                N_("没办完的家庭停在哪一步"),
                ("flow", "step", "families"),
                tuple(step_rows),
                Chart("bar", "step", "families", series="flow"),
                (N_("引导"), N_("步骤"), N_("家庭数")),
            ),
            RawTable(
                N_("各引导：开始、办完、没办完"),
                ("flow", "started", "finished", "left"),
                tuple(flow_rows),
                Chart("bar", "flow", "started"),
                (N_("引导"), N_("开始的家庭"), N_("办完的家庭"), N_("没办完的家庭")),
            ),
        ),
        groups,
    )
    return Report("uptake", N_("权益的落实"), scope, since, now, built or now, tables)


def figures(
    session: Session, scope: Scope, since: date, until: date, from_rollup: bool
) -> tuple[Figures, Figures, Figures, LastSteps]:
    """Families who asked, started, finished per place, and (flow, last step or None when finished,
    families), from the daily rollup or from the log: the same figures either way
    (tests/bot/reports/test_rollup.py)."""
    level = rollup.level_of(scope)
    if from_rollup and level is not None:
        places = rollup.below(level)
        group = [scope.place_column]
        last = rollup.sums(session, rollup.FLOW_LAST, level, scope, since, until, ["key1", "key2"])
        return (
            rollup.sums(session, rollup.ASKED, places, scope, since, until, group),
            rollup.sums(session, rollup.STARTED, places, scope, since, until, group),
            rollup.sums(session, rollup.FINISHED_FLOW, places, scope, since, until, group),
            [
                (flow, None if step == rollup.FINISHED else step, count.families)
                for (flow, step), count in last.items()
            ],
        )
    place = getattr(TurnLog, scope.place_column)
    return (
        counts(
            session,
            TurnLog,
            [place],
            scope,
            since,
            until,
            TurnLog.service.is_not(None),
            TurnLog.question.is_(True),
        ),
        counts(session, TurnLog, [place], scope, since, until, TurnLog.flow.is_not(None)),
        counts(session, TurnLog, [place], scope, since, until, TurnLog.finished.is_(True)),
        _last_steps(session, scope, since, until),
    )


def _last_steps(session: Session, scope: Scope, since: date, until: date) -> list[tuple[str, Any, int]]:
    """(flow, the step each family was last at, or None when its last turn finished the flow, families)."""
    ranked = (
        select(
            TurnLog.flow,
            TurnLog.step,
            TurnLog.finished,
            func.row_number()
            .over(partition_by=(TurnLog.family, TurnLog.flow), order_by=TurnLog.id.desc())
            .label("newest"),
        )
        .where(scope.where(TurnLog), TurnLog.day >= since, TurnLog.day <= until, TurnLog.flow.is_not(None))
        .subquery()
    )
    query = (
        select(ranked.c.flow, ranked.c.step, ranked.c.finished, func.count())
        .where(ranked.c.newest == 1)
        .group_by(ranked.c.flow, ranked.c.step, ranked.c.finished)
    )
    last: dict[tuple[str, Any], int] = {}
    for flow, step, done, n in session.execute(query):
        key = (flow, None if done else (step or "-"))
        last[key] = last.get(key, 0) + int(n)
    return [(flow, step, n) for (flow, step), n in last.items()]
