"""The reports by name (`tongxing report NAME`, the console's reports page): each a builder
`build(session, scope, since, now, inputs) -> Report` registered here, found by name.

A builder reads the turn log and the other tables in one session, and returns its tables already
suppressed (bot/reports/suppression.py); `build_report` is the one way in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.reports.report import Report, Scope
from core.clock import DEFAULT_TIMEZONE
from core.lexicon import Lexicon
from knowledge.catalog import KnowledgeBase

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Inputs:
    """What some reports read besides the database: the knowledge base (the city lists), the
    lexicon (place names), the SLA of an urgent ticket, the zone days are counted in, and whether
    the daily rollup may be read."""

    kb: KnowledgeBase | None = None
    lexicon: Lexicon | None = None
    urgent_sla: timedelta = timedelta(minutes=30)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    rollup: bool = True  # build from the daily rollup when it fits (bot/reports/rollup.py); off: the log


Builder = Callable[[Session, Scope, date, datetime, Inputs], Report]


class UnknownReportError(KeyError):
    """No report of that name."""


REPORTS: dict[str, Builder] = {}


def report(name: str) -> Callable[[Builder], Builder]:
    """Register a builder under `name` (each report module does, once)."""

    def register(builder: Builder) -> Builder:
        if name in REPORTS:
            raise ValueError(f"report '{name}' is registered twice")
        REPORTS[name] = builder
        return builder

    return register


def build_report(
    name: str, session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs | None = None
) -> Report:
    builder = REPORTS.get(name)
    if builder is None:
        raise UnknownReportError(name)
    return builder(session, scope, since, now, inputs or Inputs())


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a day in `zone`, in UTC (what the database compares)."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def default_since(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date() - timedelta(days=DEFAULT_DAYS)
