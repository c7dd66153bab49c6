"""The console's key children (重点关爱服务对象): marking a family's child as key from their ticket, with
the parent's consent recorded; the visits page (what is due and overdue in the worker's scope, a
supervisor's city, everything for an admin) with a "done" that records the visit and plans the next;
and the worker's Telegram link for their reminders (a one-time code for `/link CODE`).

The routes join the console's own table (bot/server/console.py: one guard, so the authorisation
tests cover them); every page and action is audited; a key child outside the worker's scope answers
404 like one that does not exist. The schedule and its sources: reminders/data/key_child_visits.yaml.
Text goes through Babel (`_()` in the templates, extracted by Jinja2's Babel extractor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Protocol

import anyio.to_thread
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bot.app import App
from bot.server.console_errors import ForbiddenError, NotFoundError
from bot.storage.desk import TicketView
from bot.storage.key_children import CONSENT_METHODS, KeyChildError, KeyChildren
from bot.storage.worker_telegram import CODE_LIFE, DEEP_LINK_PREFIX, WorkerTelegramLinks
from core.clock import Clock
from core.i18n import Translator
from reminders.label import FIXED
from reminders.visit import CareSchedule, load_visits

Handler = Callable[..., Awaitable[Response]]
MAX_NOTE = 500
MAX_NAME = 20


class ConsoleTools(Protocol):
    """What these pages use of the console (bot/server/console.py's `Console`)."""

    application: App
    clock: Clock

    async def staffed(self, request: Request) -> Any: ...

    async def form(self, request: Request, nonce: str | None) -> dict[str, str]: ...

    def page(self, request: Request, staffed: Any, template: str, **values: Any) -> Response: ...

    def translator(self, request: Request) -> Translator: ...

    def _finish(self, response: Response, request: Request, staffed: Any) -> Response: ...

    async def ticket(self, staffed: Any, ticket_id: int) -> TicketView: ...

    async def record(
        self, staffed: Any, action: str, ticket: TicketView | None = None, detail: str = ""
    ) -> None: ...


def said(t: Translator, key: str) -> str | None:
    """The notice a page shows after an action (?said=...)."""
    notices = {
        "marked": t.gettext("已标记为重点关爱儿童，联系和走访提醒已排好。"),
        "no_consent": t.gettext("没有记录家长的同意，不能标记。请先征得家长同意，并勾选同意的方式。"),
        "no_chat_consent": t.gettext(
            "对话里没有家长同意保存孩子信息的记录。请通过电话或当面征得同意，再选择对应的方式。"
        ),
        "done": t.gettext("已记录，下一次的日期已排好。"),
        "bad_visit": t.gettext("没有记录：日期不能晚于今天，也不能早于标记为重点关爱的日子。"),
        "ended": t.gettext("已结束重点关爱，不再提醒。"),
        "reassigned": t.gettext("已换负责人，之后的联系和走访提醒会发给新的负责人。"),
        "bad_worker": t.gettext("没有换：请选择这个孩子所在区县的一位在岗社工。"),
        "already_ended": t.gettext("这个孩子的重点关爱已经结束，不能再换负责人。"),
        "unlinked": t.gettext("已解除 Telegram 绑定。"),
    }
    return notices.get(key)


class KeyChildPages:
    def __init__(self, console: ConsoleTools, schedule: CareSchedule | None = None) -> None:
        self.console = console
        application = console.application
        storage = application.storage
        self.care = schedule or load_visits()
        self.children = KeyChildren(storage.sessions, storage.cipher, self.care, application.clock.zone)
        self.links = WorkerTelegramLinks(storage.sessions)

    def today(self) -> date:
        return self.console.clock.now().astimezone(self.console.application.clock.zone).date()

    def names(self, t: Translator) -> dict[str, Any]:
        """The words the templates need for ids: visit kinds, ways of consenting."""
        return {
            "kind_names": {kind: t.gettext(FIXED[self.care.rule(kind).label]) for kind in self.care.kinds},
            "consent_names": {
                "chat": t.gettext("在对话里同意"),
                "phone": t.gettext("电话里同意"),
                "in_person": t.gettext("当面同意"),
            },
            "consent_methods": CONSENT_METHODS,
            "end_reasons": {
                "worker": t.gettext("社工结束"),
                "withdrawn": t.gettext("家长在对话里不再同意保存孩子信息"),
                "forgotten": t.gettext("家长删除了自己的信息"),
            },
            "care": self.care,
        }

    def redirect(self, request: Request, staffed: Any, target: str) -> Response:
        return self.console._finish(RedirectResponse(target, status_code=303), request, staffed)

    def pages(self) -> list[tuple[str, str, Handler]]:
        return [
            ("/tickets/{ticket_id}/key", "GET", self.mark_page),
            ("/tickets/{ticket_id}/key", "POST", self.mark),
            ("/visits", "GET", self.visits_page),
            ("/visits/{key_id}", "GET", self.child_page),
            ("/visits/{key_id}/done", "POST", self.done),
            ("/visits/{key_id}/end", "POST", self.end),
            ("/visits/{key_id}/worker", "POST", self.reassign),
            ("/telegram/code", "POST", self.telegram_code),
            ("/telegram/unlink", "POST", self.telegram_unlink),
        ]

    # --- marking ------------------------------------------------------------------------------------

    async def mark_page(self, request: Request, ticket_id: int) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        ticket = await console.ticket(staffed, ticket_id)
        consent = await anyio.to_thread.run_sync(self.children.chat_consent, ticket.user_key)
        marked = await anyio.to_thread.run_sync(
            self.children.of_conversation, staffed.member, ticket.user_key, self.today()
        )
        await console.record(staffed, "view_key", ticket, f"{len(marked)} key children")
        t = console.translator(request)
        return console.page(
            request,
            staffed,
            "console_key_mark.html",
            ticket=ticket,
            chat_consent=consent,
            marked=marked,
            key_notice=said(t, request.query_params.get("said", "")),
            **self.names(t),
        )

    async def mark(self, request: Request, ticket_id: int) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        fields = await console.form(request, staffed.session.nonce)
        ticket = await console.ticket(staffed, ticket_id)
        method = fields.get("consent_method", "") if fields.get("consent") == "yes" else ""
        try:
            await anyio.to_thread.run_sync(
                self.children.mark,
                staffed.member,
                ticket.id,
                method,
                fields.get("name", "").strip()[:MAX_NAME],
                console.clock.now(),
            )
        except KeyChildError as refused:
            if str(refused) == "not_found":
                raise NotFoundError from refused
            await console.record(staffed, "key_refused", ticket, str(refused))
            return self.redirect(request, staffed, f"/console/tickets/{ticket.id}/key?said={refused}")
        return self.redirect(request, staffed, f"/console/tickets/{ticket.id}/key?said=marked")

    # --- visits -------------------------------------------------------------------------------------

    async def visits_page(self, request: Request, code: str | None = None) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        today = self.today()
        children = await anyio.to_thread.run_sync(self.children.listed, staffed.member, today)
        ended = await anyio.to_thread.run_sync(self.children.ended, staffed.member, today)
        linked = await anyio.to_thread.run_sync(self.links.linked_at, staffed.member.id)
        await console.record(staffed, "view_visits", detail=f"{len(children)} key children")
        t = console.translator(request)
        return console.page(
            request,
            staffed,
            "console_visits.html",
            children=children,
            ended=ended,
            today=today,
            linked=linked,
            link_code=code,
            deep_link=f"{DEEP_LINK_PREFIX}{code}" if code else None,
            code_minutes=int(CODE_LIFE.total_seconds() // 60),
            key_notice=said(t, request.query_params.get("said", "")),
            **self.names(t),
        )

    async def child_page(self, request: Request, key_id: int) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        child = await self.child(staffed, key_id)
        visits = await anyio.to_thread.run_sync(self.children.visits, child.id)
        consent = await anyio.to_thread.run_sync(self.children.chat_consent, child.user_key)
        handovers = await anyio.to_thread.run_sync(self.children.handovers, child.id)
        supervises = staffed.member.supervises and child.ended_on is None
        workers = await anyio.to_thread.run_sync(self.children.candidates, child.id) if supervises else []
        await console.record(staffed, "view_key_child", detail=f"key child {child.id}")
        t = console.translator(request)
        return console.page(
            request,
            staffed,
            "console_key_child.html",
            child=child,
            visits=visits,
            chat_refused=consent is False and child.ended_on is None,
            handovers=handovers,
            may_reassign=supervises,
            workers=workers,
            today=self.today(),
            key_notice=said(t, request.query_params.get("said", "")),
            **self.names(t),
        )

    async def child(self, staffed: Any, key_id: int) -> Any:
        if not 0 < key_id < 2**31:
            raise NotFoundError
        found = await anyio.to_thread.run_sync(self.children.find, staffed.member, key_id, self.today())
        if found is None:
            raise NotFoundError
        return found

    async def done(self, request: Request, key_id: int) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        fields = await console.form(request, staffed.session.nonce)
        child = await self.child(staffed, key_id)
        target = f"/console/visits/{child.id}" if fields.get("back") == "child" else "/console/visits"
        try:
            done_on = date.fromisoformat(fields.get("done_on", "") or self.today().isoformat())
            await anyio.to_thread.run_sync(
                self.children.record_visit,
                staffed.member,
                child.id,
                fields.get("kind", ""),
                done_on,
                fields.get("note", "").strip()[:MAX_NOTE],
                console.clock.now(),
            )
        except ValueError as refused:  # a date that is not one, or KeyChildError
            reason = str(refused) if isinstance(refused, KeyChildError) else "bad_visit"
            if reason == "not_found":
                raise NotFoundError from refused
            return self.redirect(request, staffed, f"{target}?said={reason}")
        return self.redirect(request, staffed, f"{target}?said=done")

    async def end(self, request: Request, key_id: int) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        await console.form(request, staffed.session.nonce)
        child = await self.child(staffed, key_id)
        await anyio.to_thread.run_sync(self.children.end, staffed.member, child.id, console.clock.now())
        return self.redirect(request, staffed, "/console/visits?said=ended")

    async def reassign(self, request: Request, key_id: int) -> Response:
        """A supervisor (their city) or an admin hands the child to another worker of its district;
        a worker in scope is refused (403), anyone else is told nothing exists (404)."""
        console = self.console
        staffed = await console.staffed(request)
        fields = await console.form(request, staffed.session.nonce)
        child = await self.child(staffed, key_id)
        if not staffed.member.supervises:
            raise ForbiddenError
        chosen = fields.get("worker_id", "")
        target = f"/console/visits/{child.id}"
        try:
            await anyio.to_thread.run_sync(
                self.children.reassign,
                staffed.member,
                child.id,
                int(chosen) if chosen.isdigit() and len(chosen) < 10 else 0,
                console.clock.now(),
            )
        except KeyChildError as refused:
            reason = {"ended": "already_ended", "bad_worker": "bad_worker"}.get(str(refused))
            if reason is None:
                raise NotFoundError from refused
            return self.redirect(request, staffed, f"{target}?said={reason}")
        return self.redirect(request, staffed, f"{target}?said=reassigned")

    # --- the worker's Telegram ---------------------------------------------------------------------

    async def telegram_code(self, request: Request) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        await console.form(request, staffed.session.nonce)
        code = await anyio.to_thread.run_sync(self.links.new_code, staffed.member.id, console.clock.now())
        await console.record(staffed, "telegram_code")
        return await self.visits_page(request, code)

    async def telegram_unlink(self, request: Request) -> Response:
        console = self.console
        staffed = await console.staffed(request)
        await console.form(request, staffed.session.nonce)
        await anyio.to_thread.run_sync(self.links.unlink, staffed.member.id)
        await console.record(staffed, "telegram_unlink")
        return self.redirect(request, staffed, "/console/visits?said=unlinked")
