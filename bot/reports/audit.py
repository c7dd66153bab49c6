"""Every look at a report and every export goes in the console's audit log (bot/storage/desk.py):
who (a worker's login, or "cli:<OS user>" from the command line), which report, scope and period."""

from __future__ import annotations

from datetime import date, datetime

from bot.reports.report import Scope
from bot.storage.desk import AuditLog


def record_view(
    audit: AuditLog,
    *,
    worker_id: int | None,
    login: str,
    name: str,
    scope: Scope,
    since: date,
    now: datetime,
    export: str | None = None,
) -> None:
    """`export` is the format written ("csv", "json"), None for a look at the page."""
    action = "report_export" if export else "report_view"
    detail = f"{name} {scope.label()} since {since.isoformat()}" + (f" as {export}" if export else "")
    audit.record(worker_id, login, action, now, detail=detail)
