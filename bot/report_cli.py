"""`tongxing report NAME [--city C] [--since D] [--format csv|json]`: a report for civil-affairs
staff, written to standard output; every run is an export in the console's audit log (actor
"cli:<OS user>")."""

from __future__ import annotations

import getpass
from datetime import date
from typing import Annotated

import typer

from bot.app import knowledge_dir, load_tokenizer, open_storage
from bot.place_name import UnknownPlaceError, resolve_place
from bot.reports import REPORTS, Inputs, Scope, default_since, rollup
from bot.reports.audit import record_view
from bot.reports.label import names_of, with_names
from bot.reports.refresh import refresh
from bot.reports.render import FORMATS
from bot.reports.summary import read_report, summarise
from bot.storage.desk import AuditLog
from core.clock import SystemClock
from core.i18n import Translator, normalize_locale
from core.lexicon import Lexicon, load_lexicon
from core.settings import Settings
from core.taxonomy import load_taxonomy
from dialogues.flow import FLOWS_DIR
from dialogues.flow_validator import load_flows
from knowledge.validator import load_knowledge


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"[:64]


def scope_of(lexicon: Lexicon, province: str | None, city: str | None, district: str | None) -> Scope:
    """Ids from ids or names (福建, 厦门市, 思明区); a district implies its city and province."""
    try:
        province_id, city_id = resolve_place(lexicon, province, city)
    except UnknownPlaceError as error:
        raise typer.BadParameter(str(error)) from error
    district_id = None
    if district is not None:
        key = district.strip().lower()
        found = next(
            (
                place
                for place in lexicon.places
                if place.kind == "district"
                and key in {place.id, place.name, f"{place.name}区", f"{place.name}县", f"{place.name}市"}
                and (city_id is None or place.city == city_id)
            ),
            None,
        )
        if found is None:
            raise typer.BadParameter(f"unknown district '{district}'")
        district_id, city_id, province_id = found.id, found.city, found.province
    return Scope(province_id, city_id, district_id)


def report_command(
    name: Annotated[str, typer.Argument(help=f"one of: {', '.join(sorted(REPORTS))}")],
    province: Annotated[str | None, typer.Option(help="province id or name, e.g. fujian / 福建")] = None,
    city: Annotated[str | None, typer.Option(help="city id or name, e.g. xiamen / 厦门")] = None,
    district: Annotated[str | None, typer.Option(help="district id or name, e.g. siming / 思明区")] = None,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD (default: 30 days ago)")] = None,
    output_format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    refresh_first: Annotated[
        bool, typer.Option("--refresh", help="bring the summaries up to date first (the server does hourly)")
    ] = False,
    locale: Annotated[
        str, typer.Option("--locale", help="language of the topic and service names: zh_Hans, zh_Hant, en")
    ] = "zh_Hans",
) -> None:
    """A report (demand, gaps, quality, uptake, handoffs, lists) as CSV or JSON; small cells "<5";
    topics, services and guided applications by id and, beside each, by name."""
    if name not in REPORTS:
        raise typer.BadParameter(f"unknown report '{name}'; one of: {', '.join(sorted(REPORTS))}")
    if output_format not in FORMATS:
        raise typer.BadParameter("--format is csv or json")
    settings = Settings()
    lexicon = load_lexicon()
    scope = scope_of(lexicon, province, city, district)
    clock = SystemClock(settings.zone)
    now = clock.now()
    try:
        first = date.fromisoformat(since) if since else default_since(now, clock.zone)
    except ValueError as error:
        raise typer.BadParameter("--since is YYYY-MM-DD") from error
    taxonomy = load_taxonomy()
    kb = load_knowledge(knowledge_dir(settings), taxonomy, lexicon)
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    inputs = Inputs(kb=kb, lexicon=lexicon, zone=clock.zone)
    storage = open_storage(settings)
    try:
        if refresh_first:
            refresh(storage.sessions, load_tokenizer(settings, lexicon), lexicon, now)
            rollup.rebuild(storage.sessions, now)
            summarise(storage.sessions, inputs, now)
        with storage.sessions() as session:
            built = read_report(session, name, scope, first, now, inputs)
        record_view(
            AuditLog(storage.sessions),
            worker_id=None,
            login=cli_actor(),
            name=name,
            scope=scope,
            since=first,
            now=now,
            export=output_format,
        )
    finally:
        storage.close()
    named = with_names(built, names_of(kb, flows).for_reader(Translator(normalize_locale(locale))))
    typer.echo(FORMATS[output_format](named), nl=False)
