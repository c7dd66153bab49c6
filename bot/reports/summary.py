"""Summary tables for the reports people open most: every report of the province and of each of its
cities over the standard periods (the last 30 and 90 days), built by the scheduler (bot/jobs.py,
hourly) and stored already suppressed (report_summary); `read_report` serves one from there when it
was built for the same first day, saying how fresh it is, and builds any other report live (a
district, another first day: the indexes make those fast enough).

On a log of 1,000,000 turns the province's demand report takes seconds to build live (distinct
families over hundreds of thousands of rows); served from the summary it takes milliseconds."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.reports.refresh import mark
from bot.reports.registry import REPORTS, Inputs, build_report
from bot.reports.render import to_json
from bot.reports.report import Chart, Report, Scope, Table
from bot.storage.models import ReportSummary
from core.database import transaction

WINDOWS = (30, 90)  # days: the periods the summaries cover
LIVE = frozenset({"lists"})  # read from the data files: nothing to summarise
SUMMARIES = "summaries"


def summary_scopes(inputs: Inputs) -> list[Scope]:
    """Each province the knowledge base covers, and each of its cities."""
    if inputs.kb is None or inputs.lexicon is None:
        return []
    scopes = []
    for province in inputs.kb.provinces:
        scopes.append(Scope(province))
        cities = sorted({p.id for p in inputs.lexicon.places if p.kind == "city" and p.province == province})
        scopes += [Scope(province, city) for city in cities]
    return scopes


def summarise(sessions: sessionmaker[Session], inputs: Inputs, now: datetime) -> int:
    """Build and store every summarised report; returns how many. Old ones are replaced."""
    today = now.astimezone(inputs.zone).date()
    built = 0
    for days in WINDOWS:
        since = today - timedelta(days=days)
        for scope in summary_scopes(inputs):
            for name in sorted(set(REPORTS) - LIVE):
                with sessions() as session:
                    report = build_report(name, session, scope, since, now, inputs)
                with transaction(sessions) as session:
                    session.execute(
                        delete(ReportSummary).where(
                            ReportSummary.name == name,
                            ReportSummary.scope == scope.label(),
                            ReportSummary.days == days,
                        )
                    )
                    session.add(
                        ReportSummary(
                            name=name,
                            scope=scope.label(),
                            days=days,
                            since=since,
                            built_at=now,
                            body=to_json(report),
                        )
                    )
                built += 1
    with transaction(sessions) as session:
        mark(session, SUMMARIES, now)
    return built


def read_report(
    session: Session, name: str, scope: Scope, since: date, now: datetime, inputs: Inputs | None = None
) -> Report:
    """The report from the summary when one was built for this scope and first day, else live."""
    stored = session.scalars(
        select(ReportSummary)
        .where(ReportSummary.name == name, ReportSummary.scope == scope.label(), ReportSummary.since == since)
        .order_by(ReportSummary.built_at.desc())
        .limit(1)
    ).first()
    if stored is not None:
        return report_from_json(stored.body, scope)
    return build_report(name, session, scope, since, now, inputs)


def report_from_json(body: str, scope: Scope) -> Report:
    data: dict[str, Any] = json.loads(body)
    tables = tuple(
        Table(
            title=table["title"],
            columns=tuple(table["columns"]),
            rows=tuple(tuple(row[column] for column in table["columns"]) for row in table["rows"]),
            chart=Chart(**table["chart"]) if table["chart"] else None,
            labels=tuple(table["labels"]),
            note=table["note"],
        )
        for table in data["tables"]
    )
    return Report(
        name=data["report"],
        title=data["title"],
        scope=scope,
        since=date.fromisoformat(data["since"]),
        now=datetime.fromisoformat(data["generated_at"]),
        fresh_as_of=datetime.fromisoformat(data["fresh_as_of"]),
        tables=tables,
        notes=tuple(data["notes"]),
    )
