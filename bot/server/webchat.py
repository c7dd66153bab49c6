"""The web chat at `/`, for parents who have neither Telegram nor WeChat: one HTML page (plain HTML,
CSS and JavaScript served from bot/server/static/, no CDN, no inline script) and a small JSON API.

POST /chat/api/message {text | payload, message_id, locale} -> {replies: [{text, buttons, document}],
locale}. GET /chat/api/inbox -> {replies}: what a social worker said since the page last asked (the
outbox of bot/server/push.py; the page asks every 10 seconds) and the reminders that fell due since
(bot/waiting_reminders.py: marked sent, or late, as they go out in the answer). The session is a signed cookie
(bot/server/session.py); the page makes a message id for
every message, so a retried POST takes the turn once (the core skips a seen id) and gets the same
answer back from a small per-process memory. Bad input gets a JSON error in the page's language,
never a 500."""

from __future__ import annotations

import html
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.app import App
from bot.server.channel import RoutesOnly, take_turn_with_waiting
from bot.server.push import StoredReplies
from bot.server.session import COOKIE_MAX_AGE, COOKIE_NAME, ChatSession, SessionSigner
from bot.server.webchat_text import MAX_CHARS, languages, page_text
from bot.waiting_reminders import WaitingReminders
from core.i18n import Translator, normalize_locale
from core.message import Inbound, Reply
from core.settings import SUPPORTED_LOCALES

CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = {"webchat.js": "text/javascript; charset=utf-8", "webchat.css": "text/css; charset=utf-8"}
MAX_BODY_BYTES = 64 * 1024  # 4000 characters as \uXXXX escapes fit with room to spare
ANSWERS_KEPT = 2048  # answers kept for retried POSTs (per process)
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ChatMessage(BaseModel):
    """What the page posts: typed text or a pressed button's payload, with the page's message id."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)
    text: str = ""
    payload: str | None = Field(default=None, max_length=64)
    message_id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    locale: str | None = Field(default=None, max_length=16)


class ChatError(Exception):
    def __init__(self, status: int, code: str, locale: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.locale = locale  # the language the page asked for, when it could be read


def render_reply(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"label": button.label, "payload": button.payload} for button in reply.buttons],
        "document": reply.document,
    }


class WebChat:
    """The page and its API over one App."""

    def __init__(self, application: App) -> None:
        self.application = application
        self.signer = SessionSigner(application.storage.cipher.derive("web chat session"))
        self.template = (STATIC_DIR / "webchat.html").read_text(encoding="utf-8")
        self.assets = {name: (STATIC_DIR / name).read_bytes() for name in ASSETS}
        self.answers: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        storage = application.storage
        self.outbox = StoredReplies(storage.sessions, storage.cipher, application.clock)
        self.waiting = WaitingReminders(application)

    def translator(self, locale: str | None) -> Translator:
        return self.application.translator(locale)

    def session(self, request: Request) -> ChatSession:
        return self.signer.resume_or_issue(request.cookies.get(COOKIE_NAME))

    def keep_session(self, response: Response, request: Request, session: ChatSession) -> Response:
        if session.new:
            response.set_cookie(
                COOKIE_NAME,
                session.cookie,
                max_age=COOKIE_MAX_AGE,
                path="/",
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
            )
        return response

    def page_locale(self, request: Request) -> str:
        chosen = request.query_params.get("lang")
        if chosen:
            return normalize_locale(chosen, self.application.settings.default_locale)
        accepted = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
        return normalize_locale(accepted or None, self.application.settings.default_locale)

    def page(self, locale: str) -> str:
        words = page_text(self.translator(locale))
        options = "".join(
            f'<option value="{language["locale"]}"{" selected" if language["locale"] == locale else ""}>'
            f"{html.escape(language['label'])}</option>"
            for language in languages()
        )
        filled = self.template.replace("{{html_lang}}", HTML_LANG[locale]).replace("{{locale}}", locale)
        filled = filled.replace("{{language_options}}", options).replace("{{max_chars}}", str(MAX_CHARS))
        filled = filled.replace("{{strings_json}}", html.escape(json.dumps(words, ensure_ascii=False)))
        for key, text in words.items():
            filled = filled.replace("{{" + key + "}}", html.escape(text))
        return filled

    def error(self, locale: str | None, status: int, code: str) -> JSONResponse:
        words = page_text(self.translator(locale))
        return JSONResponse({"error": {"code": code, "message": words[f"error_{code}"]}}, status_code=status)

    async def read_message(self, request: Request) -> ChatMessage:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise ChatError(413, "too_long")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise ChatError(413, "too_long")
        try:
            data = json.loads(body)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            raise ChatError(422, "malformed") from error
        asked = data.get("locale") if isinstance(data, dict) else None
        locale = asked if isinstance(asked, str) else None
        try:
            message = ChatMessage.model_validate(data)
        except ValidationError as error:
            raise ChatError(422, "malformed", locale) from error
        if len(message.text) > MAX_CHARS:
            raise ChatError(413, "too_long", locale)
        if not message.text.strip() and not message.payload:
            raise ChatError(400, "empty", locale)
        return message

    def remember(self, key: tuple[str, str], answer: dict[str, Any]) -> None:
        self.answers[key] = answer
        self.answers.move_to_end(key)
        while len(self.answers) > ANSWERS_KEPT:
            self.answers.popitem(last=False)

    async def message(self, request: Request) -> Response:
        session = self.session(request)
        locale = request.query_params.get("locale")
        try:
            message = await self.read_message(request)
        except ChatError as error:
            shown = error.locale or locale
            return self.keep_session(self.error(shown, error.status, error.code), request, session)
        locale = message.locale if message.locale in SUPPORTED_LOCALES else None
        key = (session.user_id, message.message_id)
        answer = self.answers.get(key)
        if answer is None:
            inbound = Inbound(
                user_id=session.user_id,
                channel=CHANNEL,
                text="" if message.payload else message.text,
                payload=message.payload,
                locale=locale,
                message_id=message.message_id,
            )
            try:  # with what waited for the parent's message (marked delivered)
                outcome, reminders = await take_turn_with_waiting(self.application, inbound, self.waiting)
            except Exception:  # the turn was rolled back; the page keeps the message for a retry
                return self.keep_session(self.error(locale, 503, "failed"), request, session)
            # a duplicate that raced the first delivery finds its answer once that one is done
            answer = self.answers.get(key) or {
                "replies": [render_reply(reply) for reply in [*outcome.replies, *reminders]],
                "locale": outcome.state.locale,
            }
            if not outcome.duplicate:
                self.remember(key, answer)
        return self.keep_session(JSONResponse(answer), request, session)

    def router(self) -> APIRouter:
        routes = APIRouter(tags=["web chat"])

        @routes.get("/", response_class=HTMLResponse, summary="The web chat page")
        def chat_page(request: Request) -> Response:
            session = self.session(request)
            response = HTMLResponse(self.page(self.page_locale(request)), headers=SECURITY_HEADERS)
            response.headers["Cache-Control"] = "no-store"
            return self.keep_session(response, request, session)

        @routes.get("/chat/static/{name}", include_in_schema=False)
        def chat_asset(name: str) -> Response:
            if name not in self.assets:
                return JSONResponse({"error": {"code": "not_found", "message": name}}, status_code=404)
            return Response(
                self.assets[name],
                media_type=ASSETS[name],
                headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
            )

        @routes.get("/chat/api/strings", summary="The page's own words in one language")
        def chat_strings(locale: str = "zh_Hans") -> dict[str, Any]:
            chosen = normalize_locale(locale, self.application.settings.default_locale)
            return {
                "locale": chosen,
                "html_lang": HTML_LANG[chosen],
                "strings": page_text(self.translator(chosen)),
                "languages": languages(),
            }

        @routes.get("/chat/api/inbox", summary="What a social worker said since the page last asked")
        async def chat_inbox(request: Request) -> Response:
            session = self.signer.verify(request.cookies.get(COOKIE_NAME))
            if session is None:
                return JSONResponse({"replies": []})
            user_key = f"{CHANNEL}:{session.user_id}"
            replies = await anyio.to_thread.run_sync(self.outbox.collect, user_key)
            replies += await anyio.to_thread.run_sync(self.waiting.take, user_key)  # reminders, marked
            return JSONResponse({"replies": [render_reply(reply) for reply in replies]})

        @routes.post(
            "/chat/api/message",
            summary="One message of the parent: typed text or a button",
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ChatMessage.model_json_schema()}},
                }
            },
        )
        async def chat_message(request: Request) -> Response:
            return await self.message(request)

        return routes


def channel(application: App) -> RoutesOnly:
    return RoutesOnly(name="webchat", routes=WebChat(application).router())
