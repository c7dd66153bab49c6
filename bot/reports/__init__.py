"""Reports for civil-affairs staff: aggregates over the conversations, small cells suppressed.

`REPORTS` maps each name (demand, gaps, quality, uptake, handoffs, lists) to its builder; importing
this package registers them all. `read_report(session, name, scope, since, now, inputs)` serves one
from the scheduler's summaries when it can (bot/reports/summary.py), else builds it live with
`build_report(name, session, scope, since, now, inputs)`; either returns a
`Report` (bot/reports/report.py) of plain, already suppressed tables; bot/reports/render.py writes it
as CSV or JSON, and bot/reports/audit.py records who looked."""

from __future__ import annotations

from bot.reports import demand, gaps, handoffs, lists, quality, uptake  # noqa: F401  (each registers its report)
from bot.reports.registry import REPORTS, Inputs, UnknownReportError, build_report, default_since
from bot.reports.report import Chart, Report, Scope, Table
from bot.reports.summary import read_report

__all__ = [
    "REPORTS",
    "Chart",
    "Inputs",
    "Report",
    "Scope",
    "Table",
    "UnknownReportError",
    "build_report",
    "default_since",
    "read_report",
]
