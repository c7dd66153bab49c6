"""`tongxing reminders ...`: the immunisation plan for a birth date; the delivery status for operators."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from bot.app import open_storage
from bot.database import SchemaOutdatedError
from core.clock import SystemClock
from core.i18n import Translator
from core.settings import SUPPORTED_LOCALES, Settings
from reminders.plan import PlanError, parse_given, plan_immunizations
from reminders.render import plan_json, render_plan
from reminders.schedule import load_schedule
from reminders.status import read_status

reminders_app = typer.Typer(no_args_is_help=True, help="Reminders: the immunisation plan, delivery status.")


def _fail(message: str) -> typer.Exit:
    """A one-line error and exit code 2 (bad input), never a traceback."""
    typer.echo(f"tongxing reminders: {message}", err=True)
    return typer.Exit(code=2)


def _date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} '{value}' is not a date (YYYY-MM-DD)") from None


@reminders_app.command("plan")
def plan_command(
    birth_date: Annotated[str, typer.Option("--birth-date", help="the child's birth date, YYYY-MM-DD")],
    given: Annotated[
        str,
        typer.Option("--given", help="doses given, e.g. hepb:1,bcg:1 or hepb:2@2024-03-02 (with the date)"),
    ] = "",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the day to plan from (default: today in TONGXING_TIMEZONE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
    locale: Annotated[str, typer.Option("--locale", help="zh_Hans, zh_Hant or en")] = "zh_Hans",
) -> None:
    """Each dose of the national schedule with its due-from date, what is overdue, and the catch-up plan."""
    if locale not in SUPPORTED_LOCALES:
        raise _fail(f"--locale '{locale}' is not one of {', '.join(SUPPORTED_LOCALES)}")
    birth = _date("--birth-date", birth_date)
    today = _date("--as-of", as_of) if as_of else SystemClock(Settings().zone).today()
    if birth > today:
        raise _fail(f"--birth-date {birth} is in the future (as of {today})")
    schedule = load_schedule()
    try:
        plan = plan_immunizations(schedule, birth, today, parse_given(given))
    except PlanError as error:
        raise _fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(plan_json(plan), ensure_ascii=False, indent=2))
        return
    for line in render_plan(schedule, Translator(locale), plan):
        typer.echo(line)


@reminders_app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="print the numbers as JSON")] = False,
) -> None:
    """Reminders by status, channel and kind; how many are due now; how long the oldest has waited.
    "unknown" counts reminders a dispatcher died sending on a channel that cannot drop a repeat."""
    settings = Settings()
    try:
        storage = open_storage(settings)
    except SchemaOutdatedError as error:
        raise _fail(str(error)) from None
    now = SystemClock(settings.zone).now()
    try:
        with storage.sessions() as session:
            status = read_status(session, now)
    finally:
        storage.close()
    if as_json:
        typer.echo(json.dumps(status.as_json(now), ensure_ascii=False, indent=2))
        return
    for title, position in (("status", 0), ("channel", 1), ("kind", 2)):
        totals = ", ".join(f"{name} {count}" for name, count in status.by(position).items())
        typer.echo(f"by {title}: {totals or 'none'}")
    typer.echo(f"due now: {status.due_now}")
    oldest = status.oldest_waiting
    hours = status.waiting_seconds(now) / 3600
    waited = f"{oldest.isoformat(timespec='minutes')} ({hours:.1f} h)" if oldest else "none"
    typer.echo(f"oldest waiting: {waited}")
