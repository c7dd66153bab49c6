"""Handoffs: per place, how many conversations were handed to a person, how long families waited for
a worker to take them (urgent ones against the SLA), and how they ended."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.reports.registry import Inputs, day_start, report
from bot.reports.report import Chart, Count, RawCell, RawTable, Report, Scope
from bot.reports.suppression import MIN_FAMILIES, suppress
from bot.storage.models import HandoffTicket
from core.i18n import N_

UNKNOWN = "-"
OUTCOMES = ("resolved", "referred", "no_response", "duplicate", "open")


class _Tally:
    def __init__(self) -> None:
        self.tickets: dict[str, set[str]] = defaultdict(set)  # kind -> families
        self.counts: dict[str, int] = defaultdict(int)
        self.waits: list[float] = []  # minutes until a worker took the ticket

    def add(self, kind: str, family: str) -> None:
        self.counts[kind] += 1
        self.tickets[kind].add(family)

    def count(self, kind: str) -> Count:
        return Count(self.counts[kind], len(self.tickets[kind]))


@report("handoffs")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    start = day_start(since, inputs.zone)
    ticket = HandoffTicket
    query = select(
        getattr(ticket, scope.place_column),
        ticket.user_key,
        ticket.urgency,
        ticket.status,
        ticket.outcome,
        ticket.created_at,
        ticket.claimed_at,
    ).where(scope.where(ticket), ticket.created_at >= start, ticket.created_at <= now)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for place, user_key, urgency, status, outcome, created, claimed in session.execute(query):
        tally = tallies[place or UNKNOWN]
        tally.add("all", user_key)
        created = _aware(created, now)
        waited = (_aware(claimed, now) if claimed else now) - created
        if urgency == "urgent":
            tally.add("urgent", user_key)
            tally.add("in_sla" if claimed and waited <= inputs.urgent_sla else "over_sla", user_key)
        if claimed:
            tally.waits.append(waited / timedelta(minutes=1))
        tally.add(outcome if status == "closed" and outcome in OUTCOMES else "open", user_key)
    places = sorted(tallies)
    volume: list[tuple[RawCell, ...]] = []
    ended: list[tuple[RawCell, ...]] = []
    for place in places:
        tally = tallies[place]
        enough = len(tally.tickets["all"]) >= MIN_FAMILIES and len(tally.waits) >= MIN_FAMILIES
        volume.append(
            (
                place,
                tally.count("all"),
                tally.count("urgent"),
                tally.count("in_sla"),
                tally.count("over_sla"),
                round(median(tally.waits), 1) if enough else None,
            )
        )
        ended.append((place, *(tally.count(kind) for kind in OUTCOMES), tally.count("all")))
    tables = suppress(
        (
            RawTable(
                N_("转社工的数量和等待时间"),
                (
                    scope.place_column,
                    "tickets",
                    "urgent",
                    "urgent_in_sla",
                    "urgent_over_sla",
                    "median_wait_minutes",
                ),
                tuple(volume),
                Chart("bar", scope.place_column, "tickets"),
                (
                    N_("地方"),
                    N_("转社工"),
                    N_("紧急"),
                    N_("紧急且按时接手"),
                    N_("紧急且超时"),
                    N_("等待中位数（分钟）"),
                ),
                totals=tuple(((row, 2), (row, 3), (row, 4)) for row in range(len(volume))),
            ),
            RawTable(
                N_("转社工的结果"),
                (scope.place_column, *OUTCOMES, "tickets"),
                tuple(ended),
                Chart("bar", scope.place_column, "resolved"),
                (
                    N_("地方"),
                    N_("已解决"),
                    N_("已转介"),
                    N_("联系不上"),
                    N_("重复"),
                    N_("未结束"),
                    N_("转社工"),
                ),
                totals=tuple(tuple((row, column) for column in range(1, 7)) for row in range(len(ended))),
            ),
        ),
        # a place's tickets are shown in both tables: hidden in one, hidden in the other
        [[(0, row, 1), (1, row, 6)] for row in range(len(places))],
    )
    note = N_("紧急的转社工要在{minutes}分钟内有人接手。").format(
        minutes=int(inputs.urgent_sla / timedelta(minutes=1))
    )
    return Report("handoffs", N_("转社工"), scope, since, now, now, tables, (note,))


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment
