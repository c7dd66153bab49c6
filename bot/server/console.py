"""The worker console at /console: server-rendered pages (Jinja2, autoescaped; bot/server/templates/),
one small script for polling (bot/server/static/console.js), no CDN, no inline script.

A worker signs in, sees the queue of the tickets they may see (their districts; a supervisor their
city; an admin everything), claims one (exactly one claimant wins), reads the transcript, replies
(a WorkerMessage through the conversation core; the parent gets it through their own channel, see
bot/server/push.py), writes internal notes, hands the conversation back and closes the ticket with an
outcome. Every look at a transcript and every action is written to the audit log, which supervisors
read and export as CSV. A ticket outside the worker's scope answers 404, like one that does not exist.
"""

from __future__ import annotations

import asyncio
import csv
import io
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.app import App
from bot.canned import CannedReply, load_canned
from bot.place_name import place_in_words
from bot.reports import REPORTS, Inputs, Report, default_since, read_report
from bot.reports.audit import record_view
from bot.reports.label import Names, names_of
from bot.reports.render import FORMATS, spreadsheet_safe
from bot.reports.suppression import SUPPRESSED
from bot.server import console_reports
from bot.server.channel import RoutesOnly, take_turn
from bot.server.console_chart import svg
from bot.server.console_errors import ForbiddenError, NotFoundError, UnauthorisedError
from bot.server.console_keychild import KeyChildPages
from bot.server.console_session import (
    LOGIN_COOKIE,
    LOGIN_COOKIE_AGE,
    SESSION_COOKIE,
    ConsoleSession,
    LoginLimiter,
    SessionCodec,
    new_nonce,
)
from bot.server.push import PushTargets
from bot.storage.desk import OUTCOMES, AuditLog, Desk, QueuePage, QueueRows, TicketView, add_entry, csv_rows
from bot.storage.workers import StaffMember, Workers, active_in
from core.database import transaction
from core.event import Event, WorkerHandBack, WorkerMessage, WorkerTakeOver
from core.i18n import N_, Translator, normalize_locale
from core.lexicon import Lexicon
from core.message import Reply

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = {"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
MAX_FORM_BYTES = 16 * 1024
MAX_TEXT = 2000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
WRONG_LOGIN = N_("账号或密码不对，或者账号已被锁定（连续 5 次错误锁定 15 分钟）。")
ROLE_NAMES = {"worker": N_("社工"), "supervisor": N_("督导"), "admin": N_("管理员")}
URGENCY_NAMES = {"urgent": N_("紧急"), "normal": N_("一般")}
STATUS_NAMES = {"open": N_("等待认领"), "assigned": N_("处理中"), "closed": N_("已结案")}
OUTCOME_NAMES = {
    "resolved": N_("已解决"),
    "referred": N_("已转介"),
    "no_response": N_("家长未回应"),
    "duplicate": N_("重复"),
}
# how a ticket ended that no worker chooses: the family deleted their data (bot/storage/appliers.py)
ENDED_NAMES = {"forgotten": N_("家长删除了自己的信息")}
DIRECTION_NAMES = {"in": N_("家长"), "out": N_("助手"), "worker": N_("社工")}
REASON_NAMES = {
    "crisis": N_("危机"),
    "requested": N_("家长要求"),
    "low_confidence": N_("助手没听懂"),
    "no_answer": N_("助手答不了"),
}
SAFETY_NAMES = {"safe": N_("安全"), "unsafe": N_("不安全"), "unknown": N_("不清楚")}
STAGE_NAMES = {
    "infant": N_("婴幼儿"),
    "preschool": N_("幼儿园"),
    "primary": N_("小学"),
    "junior_middle": N_("初中"),
    "senior_high": N_("高中"),
    "vocational": N_("职业学校"),
}
NOTICES = {
    "claimed": N_("你已认领这个对话，助手暂停回复。"),
    "taken": N_("这个对话已经被别人认领了。"),
    "sent": N_("已发送给家长。"),
    "stored": N_("已保存，家长下次打开网页聊天时会看到。"),
    "queued": N_("已排队：家长下次发消息时会收到。"),
    "not_sent": N_("没有发出：这个对话现在不归你处理，或者消息是空的。"),
    "no_channel": N_("已记录，但家长所用的渠道现在没有运行，消息没能送出。"),
    "noted": N_("备注已保存。"),
    "handed_back": N_("已交回给助手，家长已收到通知。"),
    "closed": N_("已结案。"),
    "not_yours": N_("只有认领这个对话的社工（或督导）能这样做。"),
}
T = TypeVar("T")
LANGUAGE_COOKIE = "tongxing_console_lang"
LANGUAGES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}  # each in its own words


def waited(t: Translator, span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return t.gettext("{minutes} 分钟", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return t.gettext("{hours} 小时 {minutes} 分钟", hours=hours, minutes=minutes)
    return t.gettext("{days} 天", days=hours // 24)


@dataclass(frozen=True)
class QueueLine:
    """A ticket of the queue page with its words (`Console.queue_lines`)."""

    ticket: TicketView
    urgency: str
    place: str
    waited: str
    status: str


class Staffed:
    """A request's signed-in worker and their session."""

    def __init__(self, member: StaffMember, session: ConsoleSession) -> None:
        self.member = member
        self.session = session


class Console:
    def __init__(self, application: App, push: PushTargets, *, limiter: LoginLimiter | None = None) -> None:
        settings = application.settings
        self.application = application
        self.push = push
        self.clock = application.clock
        storage = application.storage
        self.workers = Workers(storage.sessions)
        self.desk = Desk(storage.sessions, storage.cipher, timedelta(minutes=settings.urgent_sla_minutes))
        self.audit = AuditLog(storage.sessions)
        self.codec = SessionCodec(
            storage.cipher.derive("console session"),
            settings.console_session_hours * 3600,
            settings.console_idle_minutes * 60,
        )
        self.limiter = limiter or LoginLimiter()
        self.canned: dict[str, CannedReply] = {reply.id: reply for reply in load_canned()}
        self.pages = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
        )
        self.assets = {name: (STATIC_DIR / name).read_bytes() for name in ASSETS}
        self.report_names: Names = names_of(application.data.knowledge, application.data.flows)
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    # --- sessions --------------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _session(self, request: Request) -> ConsoleSession | None:
        """The request's session cookie, when it is genuine and not expired (no database)."""
        return self.codec.decode(request.cookies.get(SESSION_COOKIE), self._now())

    def _staffed(self, request: Request) -> Staffed | None:
        session = self._session(request)
        if session is None:
            return None
        member = self.workers.active(session.worker_id, session.epoch)
        return None if member is None else Staffed(member, session)

    async def run(self, work: Callable[[], T]) -> T:
        """A short piece of the console's database work in a thread, through the console's gate:
        at most `Settings.console_threads` at once, the others waiting their turn in the order they
        came. Without it 50 workers' requests took up to anyio's 40 threads, which competed for the
        interpreter and for more connections than the pool keeps (each one beyond it opened and
        closed again)."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            threads = self.application.settings.resolved_console_threads()
            gate = self._gates[loop] = anyio.CapacityLimiter(threads)
        return await anyio.to_thread.run_sync(work, limiter=gate)

    async def staffed(self, request: Request) -> Staffed:
        found = await self.run(lambda: self._staffed(request))
        if found is None:
            raise UnauthorisedError
        return found

    async def within(
        self, request: Request, work: Callable[[Session, Staffed], T], *, posted: bool = False
    ) -> tuple[Staffed, T]:
        """The request's worker and `work` done for them, in one transaction in one thread: what a
        request reads, changes and writes to the audit log is committed together, or nothing is.
        UnauthorisedError without a valid session; with `posted`, the form is read and its CSRF
        token checked (ForbiddenError, after the session: a stale session is told to sign in)."""
        session = self._session(request)
        if session is None:
            raise UnauthorisedError
        fields = await self.posted(request) if posted else {}

        def run() -> tuple[Staffed, T] | None:
            with transaction(self.application.storage.sessions) as db:
                member = active_in(db, session.worker_id, session.epoch)
                if member is None:
                    return None
                staffed = Staffed(member, session)
                if posted and not (fields and self.codec.csrf_matches(session.nonce, fields.get("csrf"))):
                    raise ForbiddenError
                return staffed, work(db, staffed)

        found = await self.run(run)
        if found is None:
            raise UnauthorisedError
        return found

    def _cookie(self, response: Response, request: Request, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def _finish(self, response: Response, request: Request, staffed: Staffed | None) -> Response:
        """Security headers, and the session re-issued with a fresh 'last used' (the idle timer)."""
        response.headers.update(SECURITY_HEADERS)
        if staffed is not None:
            session = staffed.session
            renewed = ConsoleSession(
                session.worker_id, session.epoch, session.issued, self._now(), session.nonce
            )
            max_age = int(self.codec.max_age - (self._now() - session.issued))
            self._cookie(response, request, SESSION_COOKIE, self.codec.encode(renewed), max(max_age, 1))
        return response

    def locale(self, request: Request) -> str:
        """The console's language: the one just chosen (?lang=), else the worker's cookie, else the
        service's default."""
        chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return str(chosen)
        return normalize_locale(self.application.settings.default_locale)

    def translator(self, request: Request) -> Translator:
        return self.application.translator(self.locale(request))

    def moment(self, t: Translator, value: datetime) -> str:
        return t.format_moment(value, self.clock.zone)

    def page(self, request: Request, staffed: Staffed | None, template: str, **values: Any) -> Response:
        t = self.translator(request)
        notice = NOTICES.get(request.query_params.get("done", ""))
        body = self.pages.get_template(template).render(
            _=t.gettext,
            t=t,
            locale=t.locale,
            html_lang=t.locale.replace("_", "-"),
            languages=LANGUAGES,
            member=staffed.member if staffed else None,
            csrf=self.codec.csrf_token(staffed.session.nonce) if staffed else values.pop("csrf", ""),
            notice=t.gettext(notice) if notice else None,
            role_names=ROLE_NAMES,
            urgency_names=URGENCY_NAMES,
            status_names=STATUS_NAMES,
            outcome_names=OUTCOME_NAMES,
            ended_names=ENDED_NAMES,
            direction_names=DIRECTION_NAMES,
            reason_names=REASON_NAMES,
            safety_names=SAFETY_NAMES,
            stage_names=STAGE_NAMES,
            waited=lambda span: waited(t, span),
            moment=lambda value: self.moment(t, value),
            place=lambda path: place_in_words(self.application.data.lexicon, path, t),
            sla_minutes=self.application.settings.urgent_sla_minutes,
            **values,
        )
        response = self._finish(HTMLResponse(body), request, staffed)
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES:  # the worker's choice, remembered on this device
            self._cookie(response, request, LANGUAGE_COOKIE, str(chosen), 365 * 24 * 3600)
        return response

    async def posted(self, request: Request) -> dict[str, str] | None:
        """The posted form (url-encoded), or None when it is too long or not a form."""
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return None
        try:
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            return None
        return {name: values[0] for name, values in parsed.items()}

    def queue_lines(self, t: Translator, shown: QueuePage) -> list[QueueLine]:
        """The page's tickets with their urgency, place, wait and status in words, each distinct
        one put in words once (a page's 50 tickets share a few places and labels), in Python rather
        than by five template calls per ticket."""
        lexicon = self.application.data.lexicon
        words: dict[tuple[str, str], str] = {}
        lines = []
        for ticket in shown.tickets:
            minutes = max(int(ticket.waited.total_seconds() // 60), 0)
            keys = (
                ("urgency", ticket.urgency),
                ("place", ticket.place),
                ("waited", str(minutes)),
                ("status", ticket.status),
            )
            for key in keys:
                if key not in words:
                    words[key] = self._words(t, lexicon, key, ticket)
            lines.append(QueueLine(ticket, *(words[key] for key in keys)))
        return lines

    @staticmethod
    def _words(t: Translator, lexicon: Lexicon, key: tuple[str, str], ticket: TicketView) -> str:
        kind, value = key
        if kind == "urgency":
            return t.gettext(URGENCY_NAMES.get(value, value))
        if kind == "place":
            return place_in_words(lexicon, value, t)
        if kind == "waited":
            return t.gettext("等了 {span}", span=waited(t, ticket.waited))
        return t.gettext(STATUS_NAMES.get(value, value))

    async def form(self, request: Request, nonce: str | None) -> dict[str, str]:
        """The posted form (url-encoded), after its CSRF token is checked (ForbiddenError otherwise)."""
        fields = await self.posted(request)
        if fields is None or not self.codec.csrf_matches(nonce, fields.get("csrf")):
            raise ForbiddenError
        return fields

    async def record(
        self, staffed: Staffed, action: str, ticket: TicketView | None = None, detail: str = ""
    ) -> None:
        member = staffed.member
        await self.run(
            lambda: self.audit.record(
                member.id, member.login, action, self.clock.now(), ticket=ticket, detail=detail
            )
        )

    def audited(
        self, db: Session, staffed: Staffed, action: str, ticket: TicketView | None = None, detail: str = ""
    ) -> None:
        """`record` in the caller's transaction."""
        member = staffed.member
        add_entry(db, member.id, member.login, action, self.clock.now(), ticket=ticket, detail=detail)

    async def ticket(self, staffed: Staffed, ticket_id: int) -> TicketView:
        if not 0 < ticket_id < 2**31:
            raise NotFoundError
        found = await self.run(lambda: self.desk.find(staffed.member, ticket_id, self.clock.now()))
        if found is None:
            raise NotFoundError
        return found

    def ticket_in(self, db: Session, staffed: Staffed, ticket_id: int) -> TicketView:
        """`ticket` in the caller's transaction."""
        if not 0 < ticket_id < 2**31:
            raise NotFoundError
        found = self.desk.find_in(db, staffed.member, ticket_id, self.clock.now())
        if found is None:
            raise NotFoundError
        return found

    async def turn(self, event: Event, user_key: str) -> tuple[Sequence[Reply], str]:
        """The event through the conversation core; its replies to the parent through their channel."""
        outcome = await take_turn(self.application, event)
        if not outcome.replies:
            return (), "not_sent"
        return outcome.replies, await self.push.deliver(user_key, outcome.replies)

    # --- reports (bot/server/console_reports.py says who sees which place) -----------------------

    async def report_scope(
        self, request: Request, staffed: Staffed, name: str
    ) -> tuple[console_reports.PlaceChoice, list[console_reports.PlaceChoice], date]:
        """The place and first day a page asks for, within the login's scope; a place outside it is
        refused (ForbiddenError) and the refusal audited."""
        t = self.translator(request)
        options = console_reports.choices(staffed.member, self.application.data.lexicon, t)
        query = {key: value[:64] for key, value in request.query_params.items()}
        try:
            choice = console_reports.chosen(options, query)
        except console_reports.RefusedError as refused:
            await self.record(staffed, "report_refused", detail=f"{name} asked {refused.requested}")
            raise ForbiddenError from refused
        now = self.clock.now()
        today = now.astimezone(self.clock.zone).date()
        since = console_reports.since_of(query.get("since"), today, default_since(now, self.clock.zone))
        return choice, options, since

    def build(self, name: str, choice: console_reports.PlaceChoice, since: date) -> Report:
        settings = self.application.settings
        data = self.application.data
        inputs = Inputs(
            kb=data.knowledge,
            lexicon=data.lexicon,
            urgent_sla=timedelta(minutes=settings.urgent_sla_minutes),
            zone=self.clock.zone,
        )
        with self.application.storage.sessions() as session:
            return read_report(session, name, choice.scope, since, self.clock.now(), inputs)

    async def record_report(
        self, staffed: Staffed, name: str, report: Report, export: str | None = None
    ) -> None:
        member = staffed.member
        await anyio.to_thread.run_sync(
            lambda: record_view(
                self.audit,
                worker_id=member.id,
                login=member.login,
                name=name,
                scope=report.scope,
                since=report.since,
                now=self.clock.now(),
                export=export,
            )
        )

    def report_tables(self, report: Report, t: Translator, text: dict[str, str]) -> list[dict[str, Any]]:
        shown = []
        lexicon = self.application.data.lexicon
        named = console_reports.named(report, self.report_names, t)  # topics, services, flows in words
        for table in (console_reports.with_place_names(table, lexicon, t) for table in named.tables):
            title = t.gettext(table.title)
            shown.append(
                {
                    "title": title,
                    "labels": [t.gettext(label) for label in table.labels] or list(table.columns),
                    "rows": [
                        [(console_reports.cell_text(cell, t), cell == SUPPRESSED) for cell in row]
                        for row in table.rows
                    ],
                    "note": t.gettext(table.note) if table.note else "",
                    "chart": Markup(svg(table, title, text["chart_desc"])),  # every label escaped in svg()
                }
            )
        return shown

    # --- routes -------------------------------------------------------------------------------------

    def router(self) -> APIRouter:
        routes = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)

        def guarded(
            handler: Callable[..., Awaitable[Response]],
        ) -> Callable[..., Awaitable[Response]]:
            async def run(request: Request, **kwargs: Any) -> Response:
                try:
                    return await handler(request, **kwargs)
                except UnauthorisedError:
                    if request.url.path.endswith(".json"):
                        response: Response = JSONResponse({"error": "unauthorised"}, status_code=401)
                    elif request.method == "GET":
                        response = RedirectResponse("/console/login", status_code=303)
                    else:
                        response = Response("not signed in", status_code=401, media_type="text/plain")
                except NotFoundError:
                    response = Response("not found", status_code=404, media_type="text/plain")
                except ForbiddenError:
                    response = Response("forbidden", status_code=403, media_type="text/plain")
                response.headers.update(SECURITY_HEADERS)
                return response

            run.__name__ = handler.__name__
            return run

        async def queue(request: Request) -> Response:
            asked = request.query_params.get("page", "1")
            number = min(int(asked), 10_000) if asked.isdigit() and int(asked) > 0 else 1

            def read(db: Session, staffed: Staffed) -> QueueRows:  # the worker, the page, its audit entry
                found = self.desk.queue_rows(db, staffed.member, page=number - 1)
                self.audited(db, staffed, "view_queue", detail=f"page {number}, {len(found.rows)} tickets")
                return found

            staffed, read_rows = await self.within(request, read)
            shown = self.desk.queue_page(read_rows, self.clock.now())
            lines = self.queue_lines(self.translator(request), shown)
            return self.page(request, staffed, "console_queue.html", queue=shown, lines=lines)

        async def login_page(request: Request) -> Response:
            if await anyio.to_thread.run_sync(self._staffed, request) is not None:
                return self._finish(RedirectResponse("/console", status_code=303), request, None)
            return self.login_form(request, "")

        async def login(request: Request) -> Response:
            nonce = self.codec.login_nonce(request.cookies.get(LOGIN_COOKIE))
            fields = await self.form(request, nonce)
            client = request.client.host if request.client else "?"
            if not self.limiter.allow(client):
                return self.login_form(request, N_("尝试次数太多，请几分钟后再试。"), status=429)
            login_name = fields.get("login", "")[:64]
            member = await anyio.to_thread.run_sync(
                self.workers.authenticate, login_name, fields.get("password", "")[:200], self.clock.now()
            )
            if member is None:
                await anyio.to_thread.run_sync(
                    lambda: self.audit.record(None, login_name, "login_failed", self.clock.now())
                )
                return self.login_form(request, WRONG_LOGIN)
            now = self._now()
            staffed = Staffed(member, ConsoleSession(member.id, member.session_epoch, now, now, new_nonce()))
            await self.record(staffed, "login")
            response = self._finish(RedirectResponse("/console", status_code=303), request, staffed)
            response.delete_cookie(LOGIN_COOKIE, path="/console")
            return response

        async def logout(request: Request) -> Response:
            staffed = await self.staffed(request)
            await self.form(request, staffed.session.nonce)
            await anyio.to_thread.run_sync(self.workers.end_sessions, staffed.member.id)
            await self.record(staffed, "logout")
            response = self._finish(RedirectResponse("/console/login", status_code=303), request, None)
            response.delete_cookie(SESSION_COOKIE, path="/console")
            return response

        async def ticket_page(request: Request, ticket_id: int) -> Response:
            staffed = await self.staffed(request)
            ticket = await self.ticket(staffed, ticket_id)
            messages = await anyio.to_thread.run_sync(self.desk.transcript, ticket.user_key, 0)
            notes = await anyio.to_thread.run_sync(self.desk.notes, ticket.id)
            await self.record(staffed, "view_transcript", ticket, f"{len(messages)} messages")
            owned = ticket.status == "assigned" and (
                ticket.owner_id == staffed.member.id or staffed.member.supervises
            )
            return self.page(
                request,
                staffed,
                "console_ticket.html",
                ticket=ticket,
                messages=messages,
                notes=notes,
                owned=owned,
                canned_replies=list(self.canned.values()),
            )

        async def messages(request: Request, ticket_id: int) -> Response:
            staffed = await self.staffed(request)
            ticket = await self.ticket(staffed, ticket_id)
            after = request.query_params.get("after", "0")
            shown = await anyio.to_thread.run_sync(
                self.desk.transcript, ticket.user_key, min(int(after), 2**62) if after.isdigit() else 0
            )
            if shown:  # a look at new messages is a look at the transcript
                await self.record(staffed, "view_transcript", ticket, f"{len(shown)} new messages")
            t = self.translator(request)
            status = t.gettext(STATUS_NAMES.get(ticket.status, ticket.status))
            body = {
                "messages": [
                    {
                        "id": m.id,
                        "direction": m.direction,
                        "who": t.gettext(DIRECTION_NAMES.get(m.direction, m.direction)),
                        "text": m.text,
                        "at": self.moment(t, m.at),
                    }
                    for m in shown
                ],
                "status": ticket.status,
                "status_text": status
                + (f" · {ticket.owner_name}" if ticket.owner_name else "")
                + (f" · {t.gettext(ENDED_NAMES[ticket.outcome])}" if ticket.outcome in ENDED_NAMES else ""),
            }
            return self._finish(JSONResponse(body), request, staffed)

        def back(request: Request, staffed: Staffed, ticket_id: int, done: str) -> Response:
            target = f"/console/tickets/{ticket_id}?done={done}"
            return self._finish(RedirectResponse(target, status_code=303), request, staffed)

        def event_base(staffed: Staffed, ticket: TicketView) -> dict[str, str]:
            channel, _, user_id = ticket.user_key.partition(":")
            return {"user_id": user_id, "channel": channel, "worker_id": str(staffed.member.id)}

        async def claim(request: Request, ticket_id: int) -> Response:
            def take(db: Session, staffed: Staffed) -> tuple[TicketView, bool]:
                """The worker, the ticket (within their scope) and the claim in one transaction; a
                lost claim's audit entry in it too."""
                ticket = self.ticket_in(db, staffed, ticket_id)
                won = self.desk.claim_in(db, staffed.member, ticket.id, self.clock.now())
                if not won:
                    self.audited(db, staffed, "claim_lost", ticket)
                return ticket, won

            staffed, (ticket, won) = await self.within(request, take, posted=True)
            if not won:
                return back(request, staffed, ticket.id, "taken")
            # the parent is told through the conversation core (its own transaction, under the
            # conversation's lock); the claim's entry says whether the notice reached them
            event = WorkerTakeOver(display_name=staffed.member.display_name, **event_base(staffed, ticket))
            try:
                _, delivered = await self.turn(event, ticket.user_key)
            except Exception as error:  # the claim holds: it is audited even when the notice failed
                await self.record(staffed, "claim", ticket, f"notice failed ({error.__class__.__name__})")
                raise
            await self.record(staffed, "claim", ticket, f"notice {delivered}")
            return back(request, staffed, ticket.id, "claimed")

        async def owned_ticket(
            request: Request, ticket_id: int
        ) -> tuple[Staffed, dict[str, str], TicketView]:
            staffed = await self.staffed(request)
            fields = await self.form(request, staffed.session.nonce)
            return staffed, fields, await self.ticket(staffed, ticket_id)

        def may_act(staffed: Staffed, ticket: TicketView) -> bool:
            member = staffed.member
            return ticket.status == "assigned" and (ticket.owner_id == member.id or member.supervises)

        async def reply(request: Request, ticket_id: int) -> Response:
            staffed, fields, ticket = await owned_ticket(request, ticket_id)
            if not may_act(staffed, ticket):
                return back(request, staffed, ticket.id, "not_yours")
            canned = self.canned.get(fields.get("canned", ""))
            text = (canned.text if canned else fields.get("text", "")).strip()[:MAX_TEXT]
            if not text:
                return back(request, staffed, ticket.id, "not_sent")
            event = WorkerMessage(
                display_name=staffed.member.display_name, text=text, **event_base(staffed, ticket)
            )
            _, delivered = await self.turn(event, ticket.user_key)
            await self.record(
                staffed, "reply", ticket, f"{'canned ' + canned.id if canned else 'typed'}; {delivered}"
            )
            return back(request, staffed, ticket.id, delivered)

        async def note(request: Request, ticket_id: int) -> Response:
            staffed, fields, ticket = await owned_ticket(request, ticket_id)
            text = fields.get("text", "").strip()[:MAX_TEXT]
            if text and ticket.status != "closed":
                await anyio.to_thread.run_sync(
                    self.desk.add_note, staffed.member, ticket, text, self.clock.now()
                )
                await self.record(staffed, "note", ticket)
            return back(request, staffed, ticket.id, "noted")

        async def hand_back(request: Request, ticket_id: int) -> Response:
            staffed, _, ticket = await owned_ticket(request, ticket_id)
            if not may_act(staffed, ticket):
                return back(request, staffed, ticket.id, "not_yours")
            await self._hand_back(staffed, ticket)
            return back(request, staffed, ticket.id, "handed_back")

        async def close(request: Request, ticket_id: int) -> Response:
            staffed, fields, ticket = await owned_ticket(request, ticket_id)
            outcome = fields.get("outcome", "")
            if not may_act(staffed, ticket) or outcome not in OUTCOMES:
                return back(request, staffed, ticket.id, "not_yours")
            # a closed ticket leaves no conversation with a worker: handed back first (nothing is said
            # when it was handed back already)
            await self._hand_back(staffed, ticket)
            await anyio.to_thread.run_sync(
                self.desk.close, staffed.member, ticket.id, outcome, self.clock.now()
            )
            await self.record(staffed, "close", ticket, outcome)
            return back(request, staffed, ticket.id, "closed")

        async def audit_page(request: Request) -> Response:
            staffed = await self.staffed(request)
            if not staffed.member.supervises:
                raise NotFoundError
            entries = await anyio.to_thread.run_sync(self.audit.entries, staffed.member)
            await self.record(staffed, "view_audit")
            return self.page(request, staffed, "console_audit.html", entries=entries)

        async def audit_csv(request: Request) -> Response:
            staffed = await self.staffed(request)
            if not staffed.member.supervises:
                raise NotFoundError
            entries = await anyio.to_thread.run_sync(lambda: self.audit.entries(staffed.member, None))
            await self.record(staffed, "export", detail=f"audit csv, {len(entries)} rows")
            out = io.StringIO()
            writer = csv.writer(out)
            for row in csv_rows(entries):
                writer.writerow([spreadsheet_safe(cell) for cell in row])
            response = Response(
                "\ufeff" + out.getvalue(),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="tongxing-audit.csv"'},
            )
            return self._finish(response, request, staffed)

        async def reports(request: Request) -> Response:
            staffed = await self.staffed(request)
            t = self.translator(request)
            if not console_reports.choices(staffed.member, self.application.data.lexicon, t):
                text = console_reports.page_text(t)  # no place assigned: nothing to choose from
                return self.page(request, staffed, "console_reports.html", text=text, options=[], reports=[])
            choice, options, since = await self.report_scope(request, staffed, "index")
            listed = [
                (
                    name,
                    t.gettext(console_reports.REPORT_TITLES[name]),
                    t.gettext(console_reports.REPORT_DESCRIPTIONS[name]),
                )
                for name in console_reports.names()
            ]
            return self.page(
                request,
                staffed,
                "console_reports.html",
                text=console_reports.page_text(t),
                options=options,
                choice=choice,
                since=since.isoformat(),
                reports=listed,
            )

        async def report_page(request: Request, name: str) -> Response:
            staffed = await self.staffed(request)
            if name not in REPORTS:
                raise NotFoundError
            choice, options, since = await self.report_scope(request, staffed, name)
            built = await anyio.to_thread.run_sync(self.build, name, choice, since)
            await self.record_report(staffed, name, built)
            t = self.translator(request)
            text = console_reports.page_text(t)
            fresh = built.fresh_as_of.astimezone(self.clock.zone).strftime("%Y-%m-%d %H:%M")
            query = f"place={choice.id}&since={since.isoformat()}"
            return self.page(
                request,
                staffed,
                "console_report.html",
                text=text,
                options=options,
                choice=choice,
                since=since.isoformat(),
                name=name,
                title=t.gettext(built.title),
                fresh=text["fresh"].format(time=fresh),
                period=text["period"].format(scope=choice.label, since=since.isoformat()),
                notes=[t.gettext(note) for note in built.notes],
                tables=self.report_tables(built, t, text),
                query=query,
            )

        def export(output: str) -> Callable[..., Awaitable[Response]]:
            async def report_export(request: Request, name: str) -> Response:
                staffed = await self.staffed(request)
                if name not in REPORTS:
                    raise NotFoundError
                choice, _, since = await self.report_scope(request, staffed, name)
                built = await anyio.to_thread.run_sync(self.build, name, choice, since)
                await self.record_report(staffed, name, built, export=output)
                place = choice.id or "all"
                named = console_reports.named(built, self.report_names, self.translator(request), page=False)
                response = Response(
                    FORMATS[output](named),
                    media_type="text/csv; charset=utf-8" if output == "csv" else "application/json",
                    headers={
                        "Content-Disposition": (
                            f'attachment; filename="tongxing-{name}-{place}-{since.isoformat()}.{output}"'
                        )
                    },
                )
                return self._finish(response, request, staffed)

            report_export.__name__ = f"report_{output}"
            return report_export

        async def asset(request: Request, name: str) -> Response:
            if name not in self.assets:
                raise NotFoundError
            response = Response(self.assets[name], media_type=ASSETS[name])
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

        pages: list[tuple[str, str, Callable[..., Awaitable[Response]]]] = [
            ("", "GET", queue),
            ("/login", "GET", login_page),
            ("/login", "POST", login),
            ("/logout", "POST", logout),
            ("/tickets/{ticket_id}", "GET", ticket_page),
            ("/tickets/{ticket_id}/messages.json", "GET", messages),
            ("/tickets/{ticket_id}/claim", "POST", claim),
            ("/tickets/{ticket_id}/reply", "POST", reply),
            ("/tickets/{ticket_id}/note", "POST", note),
            ("/tickets/{ticket_id}/handback", "POST", hand_back),
            ("/tickets/{ticket_id}/close", "POST", close),
            ("/audit", "GET", audit_page),
            ("/audit.csv", "GET", audit_csv),
            ("/reports", "GET", reports),
            ("/reports/{name}.csv", "GET", export("csv")),  # before /reports/{name}, which would match
            ("/reports/{name}.json", "GET", export("json")),
            ("/reports/{name}", "GET", report_page),
            ("/static/{name}", "GET", asset),
            *KeyChildPages(self).pages(),  # key children, their visits, the worker's Telegram link
        ]
        for path, method, handler in pages:
            routes.add_api_route(path, _typed(guarded(handler), path), methods=[method])
        return routes

    async def _hand_back(self, staffed: Staffed, ticket: TicketView) -> None:
        channel, _, user_id = ticket.user_key.partition(":")
        event = WorkerHandBack(
            user_id=user_id, channel=channel, worker_id=str(ticket.owner_id or staffed.member.id)
        )
        replies, delivered = await self.turn(event, ticket.user_key)
        if replies:
            await self.record(staffed, "hand_back", ticket, delivered)

    def login_form(self, request: Request, error: str, status: int = 200) -> Response:
        nonce = self.codec.login_nonce(request.cookies.get(LOGIN_COOKIE)) or new_nonce()
        response = self.page(
            request,
            None,
            "console_login.html",
            error=self.translator(request).gettext(error) if error else "",
            csrf=self.codec.csrf_token(nonce),
        )
        response.status_code = status
        self._cookie(response, request, LOGIN_COOKIE, self.codec.login_cookie(nonce), LOGIN_COOKIE_AGE)
        return response


def _typed(run: Callable[..., Awaitable[Response]], path: str) -> Callable[..., Awaitable[Response]]:
    """The endpoint with the path parameters FastAPI should read (an int ticket id: a word is a 404
    from the router's validation, never a lookup)."""
    if "{ticket_id}" in path:

        async def with_ticket(request: Request, ticket_id: int) -> Response:
            return await run(request, ticket_id=ticket_id)

        return with_ticket
    if "{key_id}" in path:

        async def with_key(request: Request, key_id: int) -> Response:
            return await run(request, key_id=key_id)

        return with_key
    if "{name}" in path:

        async def with_name(request: Request, name: str) -> Response:
            return await run(request, name=name)

        return with_name

    async def plain(request: Request) -> Response:
        return await run(request)

    return plain


def channel(application: App, push: PushTargets) -> RoutesOnly:
    return RoutesOnly(name="console", routes=Console(application, push).router())
