"""python-telegram-bot's own seam for tests: a `BaseRequest` that records every Bot API call
(method, parameters) and answers with canned JSON, so the real Application, handlers, rate limiter
and error mapping run without a Telegram server. A test can script failures (a 429, a 403) per
method. Also builders for the updates Telegram sends, and a runner for async tests (asyncio.run in
a worker thread: safe beside pytest-playwright's event loop, see shared/reference/e2e.md)."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from telegram.request import BaseRequest, RequestData

from bot.app import App
from bot.server.telegram import TelegramChannel, build_bot
from core.settings import Settings

T = TypeVar("T")
TOKEN = "123456:TEST"
BOT_USER = {"id": 666, "is_bot": True, "first_name": "Tongxing", "username": "TongxingBot"}


def run(coroutine: Callable[[], Awaitable[T]]) -> T:
    """Run an async test body in its own event loop, in a worker thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()  # type: ignore[arg-type]


class LoopThread:
    """One event loop for a whole test, in its own thread: the bot's rate limiter and HTTP layer
    belong to one loop, and the test calls into it step by step between its assertions."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coroutine: Awaitable[T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: list[tuple[str, bytes]] = []  # (file name, content) of every upload
        self.scripted: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._message_ids: Iterator[int] = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def fail(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """The next call of `method` answers this error (parameters: e.g. retry_after)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.scripted.setdefault(method, []).append((status, body))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [parameters for name, parameters in self.calls if name == method]

    def texts(self) -> list[str]:
        return [str(parameters["text"]) for parameters in self.called("sendMessage")]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        parameters = dict(request_data.parameters) if request_data else {}
        if request_data is not None:
            for parameter in request_data._parameters:  # the uploads themselves
                for upload in parameter.input_files or ():
                    self.files.append((str(upload.filename), bytes(upload.input_file_content)))
        self.calls.append((name, parameters))
        if self.scripted.get(name):
            status, body = self.scripted[name].pop(0)
            return status, json.dumps(body).encode()
        result = self._result(name, parameters)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, name: str, parameters: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}:
            message: dict[str, Any] = {
                "message_id": parameters.get("message_id") or next(self._message_ids),
                "date": 1_790_000_000,
                "chat": {"id": int(parameters.get("chat_id", 0)), "type": "private"},
                "from": BOT_USER,
            }
            if "text" in parameters:
                message["text"] = parameters["text"]
            if "reply_markup" in parameters:
                message["reply_markup"] = parameters["reply_markup"]
            if name == "sendDocument":
                message["document"] = {"file_id": "f1", "file_unique_id": "u1", "file_name": "checklist.txt"}
            return message
        if name == "getUpdates":
            return []
        return True


def channel_for(app: App, request: RecordingRequest, **options: Any) -> TelegramChannel:
    bot_application = build_bot(Settings(telegram_token=TOKEN), request, polling=False)
    return TelegramChannel(app, bot_application, **options)


@asynccontextmanager
async def started(channel: TelegramChannel) -> Any:
    """The bot initialised (getMe), without polling: updates are fed by the test."""
    await channel.bot_application.initialize()
    try:
        yield channel
    finally:
        await channel.bot_application.shutdown()


_ids = itertools.count(1)


def user(chat_id: int, language_code: str | None = "zh-hans") -> dict[str, Any]:
    found: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "家长"}
    if language_code:
        found["language_code"] = language_code
    return found


def message(
    chat_id: int,
    text: str | None = None,
    *,
    message_id: int | None = None,
    chat_type: str = "private",
    language_code: str | None = "zh-hans",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_ids),
        "date": 1_790_000_000,
        "chat": {"id": chat_id, "type": chat_type},
        "from": user(chat_id, language_code),
        **extra,
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return body


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": next(_ids), **content}


def callback(chat_id: int, data: str, pressed: dict[str, Any] | None = None) -> dict[str, Any]:
    """A button press on `pressed` (the bot's message as sent, with its keyboard)."""
    query: dict[str, Any] = {
        "id": str(next(_ids)),
        "from": user(chat_id),
        "chat_instance": str(chat_id),
        "data": data,
    }
    if pressed is not None:
        query["message"] = pressed
    return update(callback_query=query)


def sent_message(request: RecordingRequest, index: int = -1) -> dict[str, Any]:
    """A message the bot sent, as Telegram would show it in a callback query."""
    parameters = request.called("sendMessage")[index]
    shown: dict[str, Any] = {
        "message_id": 5000 + len(request.calls),
        "date": 1_790_000_000,
        "chat": {"id": int(parameters["chat_id"]), "type": "private"},
        "from": BOT_USER,
        "text": parameters["text"],
    }
    if "reply_markup" in parameters:
        shown["reply_markup"] = parameters["reply_markup"]
    return shown


def buttons(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback_data) of a sent message's inline keyboard."""
    markup = parameters.get("reply_markup") or {}
    return [(key["text"], key["callback_data"]) for row in markup.get("inline_keyboard", []) for key in row]
