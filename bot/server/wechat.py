"""The WeChat Official Account channel (公众号) at /wechat.

GET is WeChat's URL verification (echo `echostr` when the signature holds). Every POST is checked:
`signature` over token, timestamp and nonce; in safe mode also `msg_signature` over the <Encrypt>
text, then decrypted; then the replay guard. A bad signature or a replay is a bare 403; a body that
is not a WeChat message a bare 400; never a 500.

A message becomes one core event and its turn runs with a deadline (WeChat waits 5 seconds). In
time, the replies go back passively, buttons as numbered choices, joined into one text. Late, the
answer is "success" (nothing) and the replies follow by customer-service message when the turn
ends, inside the 48-hour window; outside it they wait for the parent's next message
(bot/server/wechat_window.py).

Redelivery: WeChat retries a message three times when it gets no answer in 5 seconds, with the same
MsgId (events: the same sender and CreateTime). The core answers a message id once; a retry gets
the same passive reply again when this process still has it (WeChat did not receive it), else
"success" (the late path sends the answer by customer-service message). So a parent never gets one
answer twice, and a lost passive reply is repeated."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

import anyio.to_thread
from fastapi import APIRouter, Request, Response

from bot.app import App
from bot.server.channel import numbered_all, take_turn
from bot.server.wechat_api import WeChatApi, WeChatApiError
from bot.server.wechat_crypto import DecryptError, MessageCipher, signature, signature_matches
from bot.server.wechat_reminders import WeChatReminders
from bot.server.wechat_replay import ReplayGuard
from bot.server.wechat_subscription import Subscriptions
from bot.server.wechat_window import WindowStore
from bot.server.wechat_xml import (
    MAX_BODY_BYTES,
    WeChatMessage,
    XmlError,
    encrypted_reply,
    parse_fields,
    parse_message,
    split_text,
    text_reply,
)
from core.event import Event
from core.i18n import N_
from core.message import Inbound, Reply
from dialogues.engine import Outcome

LOG = logging.getLogger("tongxing.wechat")
CHANNEL = "wechat"
DEADLINE_SECONDS = 4.5
REMEMBERED_REPLIES = 512
SUCCESS = "success"
# What the parent sent that the assistant cannot read: said before the core's "please type".
UNREADABLE = {
    "voice": N_("这条语音我听不了。"),
    "image": N_("图片我还看不了。"),
    "video": N_("视频我还看不了。"),
    "shortvideo": N_("视频我还看不了。"),
    "location": N_("位置我还看不懂。"),
    "link": N_("链接我还打不开。"),
}
OTHER_KIND = N_("这种消息我还看不了。")
Turn = Callable[[App, Event], Awaitable[Outcome]]


class WeChatChannel:
    name = CHANNEL

    def __init__(
        self,
        application: App,
        api: WeChatApi | None,
        *,
        deadline: float = DEADLINE_SECONDS,
        turn: Turn = take_turn,
    ) -> None:
        settings = application.settings
        if not settings.wechat_token:
            raise ValueError("the WeChat channel needs TONGXING_WECHAT_TOKEN")
        self.application = application
        self.token = settings.wechat_token
        self.cipher: MessageCipher | None = None
        if settings.wechat_aes_key:
            if not settings.wechat_app_id:
                raise ValueError("TONGXING_WECHAT_AES_KEY needs TONGXING_WECHAT_APP_ID")
            self.cipher = MessageCipher(settings.wechat_aes_key, settings.wechat_app_id)
        self.api = api
        self.deadline = deadline
        self.turn = turn
        self.replay = ReplayGuard(application.clock)
        self.window = WindowStore(application.storage.sessions, application.storage.cipher, application.clock)
        self.subscriptions = Subscriptions(
            application.storage.sessions,
            application.clock,
            token=settings.wechat_token,
            app_id=settings.wechat_app_id,
            template_id=settings.wechat_subscribe_template_id,
            redirect_url=settings.wechat_subscribe_redirect_url,
        )
        self.reminders = WeChatReminders(application, self.window, api, self.subscriptions)
        self.answered: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.pending: set[asyncio.Task[None]] = set()

    def router(self) -> APIRouter:
        router = APIRouter(tags=["wechat"], include_in_schema=False)
        router.add_api_route("/wechat", self.verify, methods=["GET"])
        router.add_api_route("/wechat", self.receive, methods=["POST"])
        router.include_router(self.subscriptions.router(self.application.translator(None)))
        return router

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        """Late turns finish and their replies go out (or are queued) before the App closes."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)
        if self.api is not None:
            await self.api.close()

    # --- the endpoint -------------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        query = request.query_params
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not signature_matches(query.get("signature", ""), self.token, timestamp, nonce):
            return Response(status_code=403)
        if not self.replay.fresh(timestamp, nonce):
            return Response(status_code=403)
        return Response(query.get("echostr", ""), media_type="text/plain")

    async def receive(self, request: Request) -> Response:
        query = request.query_params
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if not signature_matches(query.get("signature", ""), self.token, timestamp, nonce):
            return Response(status_code=403)
        body = await _read_capped(request)
        if body is None:
            return Response(status_code=413)
        encrypted = query.get("encrypt_type", "raw") == "aes"
        if encrypted != (self.cipher is not None):
            return Response(status_code=403)  # safe mode is both ends' or neither's
        if self.cipher is not None:
            try:
                enc = parse_fields(body).get("Encrypt", "")
            except XmlError:
                return Response(status_code=400)
            if not enc or not signature_matches(
                query.get("msg_signature", ""), self.token, timestamp, nonce, enc
            ):
                return Response(status_code=403)
            try:
                body = self.cipher.decrypt(enc).encode("utf-8")
            except DecryptError:
                return Response(status_code=403)
        if not self.replay.fresh(timestamp, nonce):
            return Response(status_code=403)
        try:
            message = parse_message(body)
        except XmlError:
            return Response(status_code=400)
        try:
            text = await self.answer(message)
        except Exception:  # a bug in a turn must not make WeChat retry it three times
            LOG.exception("wechat turn failed")
            text = None
        return self._passive(message, text, nonce)

    def _passive(self, message: WeChatMessage, text: str | None, nonce: str) -> Response:
        if not text:
            return Response(SUCCESS, media_type="text/plain")
        now = int(self.application.clock.now().timestamp())
        xml = text_reply(message, text, now)
        if self.cipher is not None:
            enc = self.cipher.encrypt(xml)
            stamp = str(now)
            xml = encrypted_reply(enc, signature(self.token, stamp, nonce, enc), stamp, nonce)
        return Response(xml, media_type="application/xml")

    # --- one message ----------------------------------------------------------------------------

    async def answer(self, message: WeChatMessage) -> str | None:
        """The passive reply's text, or None ("success": nothing now, or later by customer service)."""
        user = message.from_user
        key = f"{CHANNEL}:{user}"
        if message.msg_type == "event" and message.event.lower() == "unsubscribe":
            await anyio.to_thread.run_sync(self.window.unsubscribed, key)
            return None
        inbound, unreadable = to_inbound(message)
        if inbound is None:
            return None
        await anyio.to_thread.run_sync(self.window.saw_parent, key)
        remembered = (user, message.message_id)
        task = asyncio.ensure_future(self.turn(self.application, inbound))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(task), self.deadline)
        except TimeoutError:
            self._finish_later(task, user, unreadable)
            return None
        if outcome.duplicate:
            return self.answered.get(remembered)
        queued = await anyio.to_thread.run_sync(self.window.take_queued, key)
        reminders = await anyio.to_thread.run_sync(self.reminders.at_message, key)
        texts = [*queued, *self._texts(outcome, unreadable), *reminders]
        pieces = split_text("\n\n".join(texts))
        if not pieces:
            return None
        if len(pieces) > 1:
            self._spawn(self.deliver(user, pieces[1:]))
        self._remember(remembered, pieces[0])
        return pieces[0]

    def _texts(self, outcome: Outcome, unreadable: str | None) -> list[str]:
        if not outcome.replies:
            return []
        body = numbered_all(outcome.replies)
        if unreadable is None:
            return [body]
        note = self.application.translator(outcome.state.locale).gettext(unreadable)
        return [f"{note}\n{body}"]

    def _finish_later(self, task: asyncio.Future[Outcome], user: str, unreadable: str | None) -> None:
        async def finish() -> None:
            outcome = await task
            texts = self._texts(outcome, unreadable)
            queued = await anyio.to_thread.run_sync(self.window.take_queued, f"{CHANNEL}:{user}")
            reminders = await anyio.to_thread.run_sync(self.reminders.at_message, f"{CHANNEL}:{user}")
            pieces = split_text("\n\n".join([*queued, *texts, *reminders]))
            if pieces:
                await self.deliver(user, pieces)

        self._spawn(finish())

    def _spawn(self, work: Awaitable[object]) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception:
                LOG.exception("wechat delivery failed")

        task = asyncio.ensure_future(guarded())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def _remember(self, key: tuple[str, str], text: str) -> None:
        self.answered[key] = text
        while len(self.answered) > REMEMBERED_REPLIES:
            self.answered.popitem(last=False)

    # --- customer-service messages ------------------------------------------------------------

    async def deliver(self, user: str, texts: list[str]) -> str:
        """Send `texts` to a parent by customer-service message when the window allows, else keep
        them for the reply to the parent's next message. Returns "sent" or "queued"; nothing is lost."""
        key = f"{CHANNEL}:{user}"
        may_send = await anyio.to_thread.run_sync(self.window.may_send, key)
        if self.api is None or not may_send:
            await anyio.to_thread.run_sync(self.window.queue, key, texts)
            return "queued"
        for position, text in enumerate(texts):
            try:
                await self.api.send_text(user, text)
            except WeChatApiError as error:
                LOG.warning("wechat customer-service message not sent: %s", error.code)
                if error.unsubscribed:
                    await anyio.to_thread.run_sync(self.window.unsubscribed, key)
                await anyio.to_thread.run_sync(self.window.queue, key, texts[position:])
                return "queued"
        return "sent"

    async def push(self, user: str, replies: Sequence[Reply], idempotency_key: str) -> str:
        """A reminder's replies (bot/reminder_notifier.py), routed by the window planner
        (bot/server/wechat_reminders.py): "sent", or "waiting" for the parent's next message."""
        return await self.reminders.push(user, replies, idempotency_key)

    async def reachable(self, user: str) -> bool:
        return await self.reminders.reachable(user)


def to_inbound(message: WeChatMessage) -> tuple[Inbound | None, str | None]:
    """The core event for a message (None: nothing to answer), and what could not be read."""
    base = {"user_id": message.from_user, "channel": CHANNEL, "message_id": message.message_id}
    kind = message.msg_type
    if kind == "text":
        return Inbound(text=message.content, **base), None
    if kind == "voice" and message.recognition:
        return Inbound(text=message.recognition, **base), None
    if kind == "event":
        event = message.event.lower()
        if event == "subscribe":
            return Inbound(text="/start", **base), None  # the welcome, as a first message
        if event == "click" and message.event_key:
            key = message.event_key
            return (Inbound(text=key, **base) if key.startswith("/") else Inbound(payload=key, **base)), None
        return None, None  # VIEW (a menu link opened), SCAN, location reports...: nothing to say
    return Inbound(text="", **base), UNREADABLE.get(kind, OTHER_KIND)


async def _read_capped(request: Request) -> bytes | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return body


def wechat_channel(application: App) -> WeChatChannel:
    """The channel as the settings configure it (customer-service messages need AppID and secret)."""
    settings = application.settings
    api = None
    if settings.wechat_app_id and settings.wechat_app_secret:
        api = WeChatApi(
            settings.wechat_app_id, settings.wechat_app_secret, application.clock, settings.wechat_api_url
        )
    return WeChatChannel(application, api)
