"""The Telegram channel (python-telegram-bot 22): a thin adapter between Telegram and the core.

An update becomes an `Inbound` (bot/server/telegram_inbound.py), goes through the conversation core
(`take_turn`), and the replies go back as messages with inline keyboards (telegram_render.py,
telegram_send.py). Two ways to receive updates, both started and stopped with the server:
- long polling (the default when TONGXING_TELEGRAM_TOKEN is set): for one server process;
- a webhook (TONGXING_TELEGRAM_WEBHOOK_URL, with TONGXING_TELEGRAM_WEBHOOK_SECRET): the route
  /telegram/webhook on the server's app, registered with setWebhook; every worker process and machine
  can serve it. An update is answered before the route answers 200, so a failed turn answers 500 and
  Telegram delivers the update again (the core answers a redelivered message once).
TONGXING_TELEGRAM_API_URL points the bot at another Bot API server (self-hosted, or the emulator)."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections import OrderedDict
from datetime import timedelta

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.app import App
from bot.server.channel import take_turn
from bot.server.telegram_commands import register_chat_commands, register_commands, shown_menu
from bot.server.telegram_inbound import Incoming, read_update, user_key
from bot.server.telegram_notice import attachment_notice, edited_notice
from bot.server.telegram_render import MAX_TEXT, units
from bot.server.telegram_send import Sender
from bot.server.worker_link import link_command, link_reply
from bot.storage.blocked import BlockedChats
from core.settings import Settings

LOG = logging.getLogger("tongxing.telegram")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
MAX_UPDATE_BYTES = 1_000_000  # an update is a few kilobytes; anything this large is not from Telegram
RETRIES_AFTER_429 = 3  # a 429's retry_after is waited out this many times before the send fails
REMEMBERED_CHATS = 10_000  # chats whose own command menu this process remembers
PRESSED_MARK = "→ "


class TokenRedaction(logging.Filter):
    """httpx logs every request's URL at INFO, and a Bot API URL holds the bot's token: the token is
    replaced before the line reaches any handler."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        return True


def build_bot(settings: Settings, request: BaseRequest | None = None, *, polling: bool = True) -> Application:  # type: ignore[type-arg]
    """The python-telegram-bot Application: rate-limited, no job queue (the reminders have their
    own), an updater only for long polling. `request` replaces the HTTP layer (the tests' seam)."""
    if not settings.telegram_token:
        raise ValueError("the Telegram channel needs TONGXING_TELEGRAM_TOKEN")
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .rate_limiter(AIORateLimiter(max_retries=RETRIES_AFTER_429))
        .job_queue(None)
    )
    if settings.telegram_api_url:
        root = settings.telegram_api_url.rstrip("/")
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not polling:
        builder = builder.updater(None)
    return builder.build()


class TelegramChannel:
    """Receives updates (polling or webhook), runs them through the core, sends the replies."""

    name = "telegram"

    def __init__(
        self,
        application: App,
        bot_application: Application,  # type: ignore[type-arg]
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: float = 10.0,
    ) -> None:
        if webhook_url and not webhook_secret:
            raise ValueError("TONGXING_TELEGRAM_WEBHOOK_URL needs TONGXING_TELEGRAM_WEBHOOK_SECRET")
        self.application = application
        self.bot_application = bot_application
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or ""
        self.poll_timeout = poll_timeout
        self.blocked = BlockedChats(application.storage.sessions)
        self.sender = Sender(bot_application.bot, self.blocked, application.clock)
        self.redaction = TokenRedaction(bot_application.bot.token)
        self.menus: OrderedDict[int, str] = OrderedDict()  # chat -> the language of its own menu
        bot_application.add_handler(TypeHandler(Update, self._on_update))
        bot_application.add_error_handler(self._on_error)

    @property
    def default_locale(self) -> str:
        return self.application.settings.default_locale

    # --- the Channel protocol

    def router(self) -> APIRouter | None:
        if not self.webhook_url:
            return None
        routes = APIRouter(tags=["telegram"])
        routes.add_api_route(WEBHOOK_PATH, self._webhook, methods=["POST"], include_in_schema=False)
        return routes

    async def start(self) -> None:
        bot_application = self.bot_application
        logging.getLogger("httpx").addFilter(self.redaction)
        await bot_application.initialize()  # getMe: a wrong token stops the server here
        flows = self.application.data.flows
        try:
            await register_commands(
                bot_application.bot, self.application.translator, flows, self.default_locale
            )
        except TelegramError as error:
            LOG.warning("the command menu could not be registered: %s", type(error).__name__)
        if self.webhook_url:
            await bot_application.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        elif bot_application.updater is not None:
            await bot_application.updater.start_polling(
                poll_interval=0.0,
                timeout=timedelta(seconds=self.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
            )
        await bot_application.start()
        LOG.info("telegram channel started (%s)", "webhook" if self.webhook_url else "long polling")

    async def stop(self) -> None:
        """The update in hand is finished first; the webhook stays registered (other processes)."""
        bot_application = self.bot_application
        if bot_application.updater is not None and bot_application.updater.running:
            await bot_application.updater.stop()
        if bot_application.running:
            await bot_application.stop()
        await bot_application.shutdown()
        logging.getLogger("httpx").removeFilter(self.redaction)

    # --- receiving

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.webhook_secret.encode()):
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), self.bot_application.bot)
        except Exception:  # not an update: any shape of JSON can fail in many ways
            return Response(status_code=400)
        try:
            await self.handle_update(update)
        except Exception as error:
            LOG.error("a Telegram update failed (%s); Telegram will send it again", type(error).__name__)
            return Response(status_code=500)
        return Response(status_code=200)

    async def _on_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle_update(update)

    async def _on_error(self, _: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The class only: the error's text may quote what the parent wrote.
        LOG.error("a Telegram update failed (%s)", type(context.error).__name__)

    async def handle_update(self, update: Update) -> None:
        """One update: the core's turn and the replies. Raises when the turn could not be done."""
        if update.my_chat_member is not None:
            await self._membership(update)
            return
        query = update.callback_query
        if query is not None:
            # the button stops spinning at once; too old to answer (the bot was down): still handled
            with contextlib.suppress(TelegramError):
                await query.answer()
        incoming = read_update(update)
        if incoming is None:
            return
        code = link_command(incoming.inbound.text) if incoming.kind == "text" else None
        if code is not None:  # a worker linking their chat (bot/server/worker_link.py), not a parent
            answer = await link_reply(self.application, incoming.chat_id, code)
            await self.sender.send(incoming.chat_id, [answer])
            return
        await anyio.to_thread.run_sync(self.blocked.unblock, user_key(incoming.chat_id))  # they wrote
        outcome = await take_turn(self.application, incoming.inbound)
        if outcome.duplicate:
            return  # a redelivered update: answered the first time
        locale = outcome.state.locale
        replies = list(outcome.replies)
        t = self.application.translator(locale)
        if replies and incoming.kind == "edited":  # nothing said (a worker's conversation): no notice
            replies.insert(0, edited_notice(t))
        elif replies and incoming.attachment:
            replies.insert(0, attachment_notice(t))
        if query is not None and isinstance(query.message, Message):
            await self._mark_pressed(query.message, query.data or "")
        await self._menu_for(incoming, locale)
        await self.sender.send(incoming.chat_id, replies)

    async def _membership(self, update: Update) -> None:
        """Telegram says when a private chat's user blocks the bot (kicked) or starts it again."""
        change = update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        key = user_key(change.chat.id)
        if change.new_chat_member.status == "kicked":
            await anyio.to_thread.run_sync(self.blocked.block, key, self.application.clock.now())
        elif change.new_chat_member.status == "member":
            await anyio.to_thread.run_sync(self.blocked.unblock, key)

    # --- helpers

    @staticmethod
    def _remember(store: OrderedDict[int, str], chat_id: int, value: str) -> None:
        store[chat_id] = value
        store.move_to_end(chat_id)
        while len(store) > REMEMBERED_CHATS:
            store.popitem(last=False)

    async def _mark_pressed(self, message: Message, payload: str) -> None:
        """The pressed keyboard goes away (the new reply carries the live buttons) and the message
        keeps the choice under it, so the chat reads as question, answer."""
        markup = message.reply_markup
        if markup is None:
            return
        label = next(
            (
                button.text
                for row in markup.inline_keyboard
                for button in row
                if button.callback_data == payload
            ),
            None,
        )
        try:
            text = message.text
            if text and label and units(text) + units(label) + 4 <= MAX_TEXT:
                await message.edit_text(f"{text}\n\n{PRESSED_MARK}{label}", reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except TelegramError:
            pass  # already edited, or too old to edit: the keyboard stays; a stale press is read kindly

    async def _menu_for(self, incoming: Incoming, locale: str) -> None:
        """A chat whose conversation's language is not its interface's gets its own command menu."""
        if self.menus.get(incoming.chat_id) == locale:
            return
        if (
            shown_menu(incoming.language_code, self.default_locale) == locale
            and incoming.chat_id not in self.menus
        ):
            return
        try:
            data = self.application.data
            await register_chat_commands(
                self.bot_application.bot, self.application.translator, data.flows, incoming.chat_id, locale
            )
            self._remember(self.menus, incoming.chat_id, locale)
        except TelegramError as error:
            LOG.warning("a chat's command menu could not be set: %s", type(error).__name__)


def channel(application: App, request: BaseRequest | None = None) -> TelegramChannel:
    """The channel the settings describe (TONGXING_TELEGRAM_*)."""
    settings = application.settings
    webhook = settings.telegram_webhook_url
    bot_application = build_bot(settings, request, polling=not webhook)
    return TelegramChannel(
        application, bot_application, webhook_url=webhook, webhook_secret=settings.telegram_webhook_secret
    )
