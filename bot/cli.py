"""The `tongxing` command line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot import database, place_name
from bot.apikey_cli import apikey_app
from bot.app import (
    App,
    Storage,
    build_app,
    build_hotline,
    knowledge_dir,
    load_data,
    load_parser,
    open_storage,
)
from bot.cipher import CipherError
from bot.conversation import purge_messages
from bot.data_check import CHECKS, run_checks
from bot.database import SchemaOutdatedError
from bot.gap import record_gap
from bot.hotline import Hotline
from bot.jobs import start_daily_jobs
from bot.nlu_cli import nlu_app
from bot.reminders_cli import reminders_app
from bot.report_cli import report_command
from bot.reports.scrub import scrub
from bot.storage.models import HandoffTicket, KnowledgeImport, UnansweredQuestion, WorkerAccess
from bot.storage.quarantine import quarantined
from bot.worker_cli import worker_app
from core.clock import SystemClock
from core.database import make_engine, transaction
from core.i18n import Translator
from core.lexicon import Lexicon, load_lexicon
from core.message import Inbound, Reply
from core.settings import Settings
from core.taxonomy import load_taxonomy
from core.yamlfile import DataFileError
from dialogues.flow import FLOWS_DIR, FlowError
from dialogues.flow_validator import check_flows
from knowledge.answer import render_answer
from knowledge.city_import import import_city_sheet
from knowledge.schema import Document, Service
from knowledge.sheet import template_for_city, write_sheet
from knowledge.validator import KnowledgeError, check_knowledge, load_knowledge
from nlu.engine import ModelMissingError

LOG = logging.getLogger("tongxing")

app = typer.Typer(
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    help="同行 Tongxing: the assistant for migrant families.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
kb_app = typer.Typer(no_args_is_help=True, help="The knowledge base: check, import and export service lists.")
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(nlu_app, name="nlu")
handoff_app = typer.Typer(no_args_is_help=True, help="Conversations handed to a person.")
app.add_typer(handoff_app, name="handoff")
app.add_typer(reminders_app, name="reminders")
app.add_typer(apikey_app, name="apikey")
app.add_typer(worker_app, name="worker")
app.command("report")(report_command)


def _app() -> App:
    """The whole application, for commands that hold conversations."""
    return build_app(Settings())


def resolve_place(lexicon: Lexicon, province: str | None, city: str | None) -> tuple[str | None, str | None]:
    """Accept ids (xiamen) or names (厦门, 厦门市); a city implies its province."""
    try:
        return place_name.resolve_place(lexicon, province, city)
    except place_name.UnknownPlaceError as error:
        raise typer.BadParameter(str(error)) from error


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database."""
    settings = Settings()
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url())
    try:
        database.upgrade(engine)
    finally:
        engine.dispose()
    typer.echo(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


@kb_app.command("check")
def kb_check(
    directory: Annotated[Path | None, typer.Option("--dir", help="knowledge data folder")] = None,
) -> None:
    """Validate every file of the knowledge base; print file:line for each problem."""
    folder = directory or knowledge_dir(Settings())
    kb, problems = check_knowledge(folder, load_taxonomy(), load_lexicon())
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    layers = sorted({(item.layer, item.province or "", item.city or "") for item in kb.items})
    typer.echo(
        f"ok: {len(kb.items)} services in {len(layers)} lists, {len(kb.documents)} source documents; "
        f"every topic answerable in: {', '.join(kb.provinces)}"
    )


@kb_app.command("import")
def kb_import(
    sheet: Path,
    province: Annotated[str, typer.Option(help="province id or name, e.g. fujian / 福建")],
    city: Annotated[str, typer.Option(help="city id or name, e.g. xiamen / 厦门")],
    document_id: Annotated[str | None, typer.Option(help="register the city list's own document")] = None,
    document_title: Annotated[str | None, typer.Option()] = None,
    document_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    issuer: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Import a city's service list from .xlsx or .csv; a malformed sheet changes nothing."""
    settings = Settings()
    lexicon = load_lexicon()
    province_id, city_id = resolve_place(lexicon, province, city)
    assert province_id and city_id
    document = None
    if document_id:
        if not (document_title and document_date and issuer):
            raise typer.BadParameter("--document-id needs --document-title, --document-date and --issuer")
        document = Document(
            id=document_id,
            title=document_title,
            issuer=issuer,
            date=date.fromisoformat(document_date),
            kind="city_list",
        )
    storage = open_storage(settings)  # the import is audited: check the database before any change
    result = import_city_sheet(
        sheet, knowledge_dir(settings), province_id, city_id, load_taxonomy(), lexicon, document
    )
    if not result.ok:
        for problem in result.problems:
            typer.echo(problem, err=True)
        typer.echo("nothing was imported", err=True)
        storage.close()
        raise typer.Exit(1)
    try:
        with transaction(storage.sessions) as session:
            session.add(
                KnowledgeImport(
                    file_name=sheet.name,
                    province=province_id,
                    city=city_id,
                    services=result.services,
                    sha256=result.sha256,
                )
            )
    except SQLAlchemyError as error:
        typer.echo(f"imported, but the audit line could not be stored: {error.__class__.__name__}", err=True)
    finally:
        storage.close()
    typer.echo(f"imported {result.services} services into {result.target}")


@kb_app.command("export")
def kb_export(
    out: Annotated[Path, typer.Option(help="a .xlsx or .csv file to write")],
    province: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    template_for: Annotated[
        str | None,
        typer.Option("--template-for-city", help="a new city's starting sheet from its province list"),
    ] = None,
) -> None:
    """Export a list (national, a province, or a city) as a spreadsheet."""
    lexicon = load_lexicon()
    kb = load_knowledge(knowledge_dir(Settings()), load_taxonomy(), lexicon)
    province_id, city_id = resolve_place(lexicon, province, city)
    if template_for:
        template_province, template_city = resolve_place(lexicon, province, template_for)
        assert template_city
        items = list(kb.layer("province", template_province))
        services: list[Service] = template_for_city(items, template_city)
    elif city_id:
        services = [item.service for item in kb.layer("city", province_id, city_id)]
    elif province_id:
        services = [item.service for item in kb.layer("province", province_id)]
    else:
        services = [item.service for item in kb.layer("national")]
    if not services:
        typer.echo("that list has no services", err=True)
        raise typer.Exit(1)
    write_sheet(out, services)
    typer.echo(f"wrote {len(services)} services to {out}")


@kb_app.command("gaps")
def kb_gaps(limit: int = 50) -> None:
    """Questions parents asked that the knowledge base could not answer, newest first, scrubbed of
    names, phone and id numbers, addresses and places (bot/reports/scrub.py, as in the gap report)."""
    places = list(load_lexicon().every_place_name)
    storage = open_storage(Settings())
    with storage.sessions() as session:
        rows = session.scalars(
            select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(limit)
        ).all()
    storage.close()
    for row in rows:
        place = "/".join(part for part in (row.province, row.city) if part) or "-"
        typer.echo(f"{row.created_at:%Y-%m-%d %H:%M}\t{place}\t{row.channel}\t{scrub(row.text, places)}")
    if not rows:
        typer.echo("no unanswered questions")


def answer_question(
    hotline: Hotline,
    storage: Storage,
    question: str,
    province: str | None,
    city: str | None,
    age: float | None,
    translator: Translator,
    limit: int = 3,
) -> tuple[dict[str, object], str]:
    """The JSON object (docs/answer-schema.md) and the text of the best answer."""
    result = hotline.answer(
        question, province=province, city=city, age=age, translator=translator, limit=limit
    )
    answers = result.answers
    t = translator
    if not answers:
        record_gap(storage, question, province, city, "cli")
        return result.to_dict(), t.gettext(
            "这个问题知识库里还没有答案，我不想乱说。可以请社工帮你问清楚：发送 /human 转人工，"
            "或拨打当地政务服务热线 12345。"
        )
    text = render_answer(answers[0], t)
    if result.understanding.question.province is None:
        text += "\n" + t.gettext("各地规定不一样。告诉我你们现在住在哪个城市，我能说得更准。")
    others = [answer.title for answer in answers[1:]]
    if others:
        text += "\n" + t.gettext("相关服务：{titles}", titles="、".join(others))
    return result.to_dict(), text


@app.command()
def ask(
    question: str,
    province: Annotated[str | None, typer.Option(help="where the family lives: province id or name")] = None,
    city: Annotated[str | None, typer.Option(help="city id or name")] = None,
    age: Annotated[float | None, typer.Option(min=0, max=17, help="the child's age in years")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the ranked answers as JSON")] = False,
    locale: Annotated[str, typer.Option(help="zh_Hans, zh_Hant or en")] = "zh_Hans",
    limit: Annotated[int, typer.Option(min=1, max=20)] = 3,
) -> None:
    """Answer a parent's question from the knowledge base, naming the source. The question is
    understood as the chat understands it (the classifier's topic and retrieval, fused)."""
    settings = Settings()
    data = load_data(settings)
    province_id, city_id = resolve_place(data.lexicon, province, city)
    storage = open_storage(settings)  # questions without an answer are recorded (`kb gaps`)
    try:
        hotline = build_hotline(data, load_parser(settings, data.tokenizer))
        result, text = answer_question(
            hotline, storage, question, province_id, city_id, age, Translator(locale), limit
        )
    finally:
        storage.close()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(text)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="server processes (several need PostgreSQL)")] = 1,
) -> None:
    """Start the server: web chat, hotline API, WeChat endpoint, health and metrics, and Telegram
    when TONGXING_TELEGRAM_TOKEN is set. Ctrl-C or SIGTERM stops it after the turns in flight."""
    import uvicorn  # the server's own dependency; the other commands do without it

    from bot.server.logs import log_config

    settings = Settings()
    if workers > 1 and settings.telegram_token and not settings.telegram_webhook_url:
        typer.echo(
            "tongxing: Telegram's long polling is for one process: with several workers set "
            "TONGXING_TELEGRAM_WEBHOOK_URL and TONGXING_TELEGRAM_WEBHOOK_SECRET",
            err=True,
        )
        raise typer.Exit(2)
    if workers > 1 and settings.resolved_database_url().startswith("sqlite"):
        typer.echo("tongxing: several workers need PostgreSQL (set TONGXING_DATABASE_URL)", err=True)
        raise typer.Exit(2)
    # Fail here, with the usual messages (no model, database not upgraded), not inside a worker.
    build_app(settings).close()
    shown = "localhost" if host in {"127.0.0.1", "0.0.0.0", "::"} else host
    base = f"http://{shown}:{port}"
    typer.echo(f"同行 Tongxing is running ({workers} process{'es' if workers > 1 else ''}):")
    for label, path in SERVER_PAGES:
        typer.echo(f"  {label:<14} {base}{path}")
    if settings.wechat_token:
        typer.echo(f"  {'WeChat':<14} {base}/wechat (the server URL of the Official Account)")
    if settings.telegram_token:
        mode = f"webhook {settings.telegram_webhook_url}" if settings.telegram_webhook_url else "long polling"
        typer.echo(f"  Telegram       on ({mode})")
    typer.echo("Ctrl-C stops it.")
    uvicorn.run(
        "bot.server.factory:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),  # JSON lines on stderr, in every worker
        timeout_graceful_shutdown=20,
    )


SERVER_PAGES = (
    ("web chat", "/"),
    ("worker console", "/console"),
    ("health", "/healthz"),
    ("API docs", "/docs"),
    ("hotline API", "/v1/ask"),
    ("metrics", "/metrics"),
)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="who is talking (one conversation per user)")] = "terminal",
    locale: Annotated[str | None, typer.Option(help="zh_Hans, zh_Hant or en (first message only)")] = None,
) -> None:
    """Talk to the assistant in the terminal; buttons are numbered choices. When stdin is not a
    terminal it reads one message per line and prints the replies, so a conversation can be scripted."""
    application = _app()
    service = application.conversations
    jobs = start_daily_jobs(application)
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo("同行 Tongxing — /help 帮助，/quit 退出")
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        text = line.strip()
        if text in {"/quit", "/exit"}:
            break
        # A number or a button's label typed out is read by the conversation core (dialogues/offered.py)
        inbound = Inbound(user_id=user, channel="cli", text=line, locale=locale)
        try:
            replies = service.handle(inbound)
        except Exception:  # one bad turn must not end the conversation; the turn was rolled back
            LOG.exception("a turn failed (rolled back; nothing stored was lost)")
            typer.echo(
                application.translator(locale).gettext(
                    "出了点问题，这条消息没有处理成功，之前保存的内容都还在。请再发一次，或发 /human 找社工。"
                )
            )
            continue
        for reply in replies:
            typer.echo(render_reply(reply))
        typer.echo("")
    jobs.shutdown()


def render_reply(reply: Reply) -> str:
    """A reply as plain text, buttons as numbered choices (for channels without buttons)."""
    lines = [reply.text]
    lines += [f"  {number}. {button.label}" for number, button in enumerate(reply.buttons, start=1)]
    return "\n".join(lines)


@handoff_app.command("list")
def handoff_list(
    status: Annotated[str, typer.Option(help="open, assigned, closed or all")] = "open",
    worker: Annotated[str, typer.Option(envvar="USER", help="who is looking (recorded)")] = "unknown",
) -> None:
    """The handed-off conversations waiting for a person, urgent first. Every look is recorded."""
    settings = Settings()
    storage = open_storage(settings)
    now = SystemClock(settings.zone).now()
    with transaction(storage.sessions) as session:
        query = select(HandoffTicket)
        if status != "all":
            query = query.where(HandoffTicket.status == status)
        tickets = session.scalars(query.order_by(HandoffTicket.urgency.desc(), HandoffTicket.id)).all()
        for ticket in tickets:
            session.add(
                WorkerAccess(
                    worker=worker[:64],
                    action="list_tickets",
                    user_key=ticket.user_key,
                    ticket_id=ticket.id,
                    created_at=now,
                )
            )
            place = "/".join(part for part in (ticket.province, ticket.city, ticket.district) if part) or "-"
            try:
                summary = storage.cipher.decrypt(ticket.summary)[:80]
            except CipherError:
                summary = "(cannot decrypt)"
            typer.echo(
                f"#{ticket.id}\t{ticket.urgency}\t{ticket.status}\t{ticket.reason}\t{place}\t"
                f"{ticket.created_at:%Y-%m-%d %H:%M}\t{ticket.user_key}\t{summary}"
            )
    storage.close()
    if not tickets:
        typer.echo(f"no {status} tickets")


@db_app.command("purge")
def db_purge() -> None:
    """Delete messages older than the retention period (TONGXING_RETENTION_DAYS, default 180)."""
    settings = Settings()
    storage = open_storage(settings)
    removed = purge_messages(storage.sessions, SystemClock(settings.zone), settings.retention_days)
    storage.close()
    typer.echo(f"purged {removed} message(s) older than {settings.retention_days} days")


@db_app.command("quarantine")
def db_quarantine(limit: Annotated[int, typer.Option(help="how many, newest first")] = 50) -> None:
    """Conversation states kept aside because they could not be read (still encrypted, as stored)."""
    storage = open_storage(Settings())
    with storage.sessions() as session:
        rows = quarantined(session, limit)
        for row in rows:
            when = f"{row.created_at:%Y-%m-%d %H:%M}"
            typer.echo(f"#{row.id}\t{when}\t{row.user_key}\t{len(row.state)} bytes\t{row.reason}")
    storage.close()
    if not rows:
        typer.echo("no conversation state is in quarantine")


def _check_paths(values: list[str]) -> dict[str, Path]:
    names = {check.name for check in CHECKS}
    paths: dict[str, Path] = {}
    for value in values:
        name, equals, path = value.partition("=")
        if not equals or name not in names:
            raise typer.BadParameter(f"expected NAME=PATH with NAME one of {', '.join(sorted(names))}")
        paths[name] = Path(path)
    return paths


@app.command("check")
def check(
    use: Annotated[
        list[str] | None,
        typer.Option("--use", help="check a copy instead of the shipped file: NAME=PATH (repeatable)"),
    ] = None,
) -> None:
    """Validate every data file (taxonomy, lexicon, Traditional corrections, safety net, bereavement
    words, knowledge base, flows, NLU data); print file:line for each problem."""
    paths = _check_paths(use or [])
    paths.setdefault("knowledge", knowledge_dir(Settings()))
    report = run_checks(paths)
    if report.problems:
        for problem in report.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(report.problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo(f"all data files valid ({report.files} files)")


@app.command("flows")
def flows_check() -> None:
    """Validate the guided flows (dialogues/flows/*.yaml); print file:line for each problem."""
    taxonomy = load_taxonomy()
    kb = load_knowledge(knowledge_dir(Settings()), taxonomy, load_lexicon())
    _, problems = check_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)
    typer.echo("ok: every flow is valid")


def _configure_logging() -> None:
    """Warnings and errors (with their tracebacks) go to <data dir>/tongxing.log, not to the screen."""
    try:
        path = Settings().ensure_data_dir() / "tongxing.log"
        logging.basicConfig(
            filename=path, level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    except Exception:
        logging.basicConfig(level=logging.CRITICAL)


def main() -> None:
    """Entry point: no stack traces for the people using it."""
    _configure_logging()
    try:
        Settings()
    except ValidationError as error:  # a TONGXING_* setting that does not parse
        for detail in error.errors():
            where = ".".join(map(str, detail["loc"])).upper()
            print(f"tongxing: setting TONGXING_{where}: {detail['msg']}", file=sys.stderr)
        sys.exit(1)
    try:
        app()
    except (KnowledgeError, FlowError, DataFileError) as error:
        for problem in error.problems:
            print(str(problem), file=sys.stderr)
        print("the data files have problems: run `tongxing check`", file=sys.stderr)
        sys.exit(1)
    except (ModelMissingError, SchemaOutdatedError) as error:
        print(f"tongxing: {error}", file=sys.stderr)
        sys.exit(1)
    except SQLAlchemyError as error:
        print(f"database error: {error.__class__.__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # never a stack trace for the people using it; the details go to the log
        LOG.exception("tongxing failed")
        print(f"tongxing: internal error ({error.__class__.__name__}); details in the log", file=sys.stderr)
        sys.exit(3)
