"""Reports for civil-affairs staff: aggregates over the conversations, small cells suppressed.

`REPORTS` maps each name (demand, gaps, quality, uptake, handoffs, lists) to its builder; importing
this package registers them all. `build_report(name, session, scope, since, now, inputs)` returns a
`Report` (bot/reports/report.py) of plain, already suppressed tables; bot/reports/render.py writes it
as CSV or JSON, and bot/reports/audit.py records who looked."""

from __future__ import annotations

from bot.reports import demand, gaps, handoffs, lists, quality, uptake  # noqa: F401  (each registers its report)
from bot.reports.registry import REPORTS, Inputs, UnknownReportError, build_report, default_since
from bot.reports.report import Chart, Report, Scope, Table

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
]
