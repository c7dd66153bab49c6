"""The real bot against the Bot API emulator: python-telegram-bot 22 over HTTP, long polling and a
webhook on the real server (uvicorn), the real core, model and storage. The emulator plays the
parent (its client routes); nothing is mocked."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from bot.app import App
from bot.server.app import create_server
from bot.server.telegram import TelegramChannel, build_bot
from core.settings import Settings
from tests.bot.server.telegram_fake import LoopThread
from tests.e2e.conftest import free_port

_tokens = itertools.count(1)


class Parent:
    """One parent in a private chat with the bot, through the emulator's client routes."""

    def __init__(self, emulator: str, token: str, chat_id: int = 9001) -> None:
        self.emulator = emulator
        self.token = token
        self.chat_id = chat_id
        self.http = httpx.Client(base_url=emulator, timeout=90)
        self.who = {"id": chat_id, "is_bot": False, "first_name": "家长", "language_code": "zh-hans"}

    def _post(self, route: str, body: dict[str, Any]) -> Any:
        response = self.http.post(route, json={"botToken": self.token, **body})
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def say(self, text: str) -> None:
        body: dict[str, Any] = {
            "from": self.who,
            "chat": {"id": self.chat_id, "type": "private"},
            "text": text,
        }
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            self._post("/sendCommand", body)
        else:
            self._post("/sendMessage", body)

    def press(self, label: str, replies: list[dict[str, Any]]) -> None:
        """Press the button `label` on the last of `replies` that has it."""
        for stored in reversed(replies):
            for row in (stored["message"].get("reply_markup") or {}).get("inline_keyboard", []):
                for key in row:
                    if key["text"] == label:
                        message = {"message_id": stored["messageId"], "chat": {"id": self.chat_id}}
                        self._post(
                            "/sendCallback",
                            {"from": self.who, "message": message, "data": key["callback_data"]},
                        )
                        return
        raise AssertionError(f"no button {label!r} in {[r['message'] for r in replies]}")

    def replies(self, quiet: float = 1.0, timeout: float = 60) -> list[dict[str, Any]]:
        """The bot's new messages, once it has said something and then nothing for `quiet` s."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            new = self._post("/getUpdates", {"token": self.token, "chatId": self.chat_id})
            if new:
                got += new
                last = time.monotonic()
            elif got and time.monotonic() - last >= quiet:
                return got
            time.sleep(0.1)
        raise AssertionError(f"the bot did not answer in {timeout} s (got {len(got)} messages)")

    def history(self) -> list[dict[str, Any]]:
        return list(self._post("/getUpdatesHistory", {"token": self.token}))

    def answered_callbacks(self) -> int:
        return len(self._post("/getAnsweredCallbacks", {"token": self.token}))


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(stored["message"].get("text") or "") for stored in replies)


def settings_for(emulator: str, **extra: Any) -> tuple[Settings, str]:
    token = f"{100000 + next(_tokens)}:E2E"
    return Settings(telegram_token=token, telegram_api_url=emulator, **extra), token


@pytest.fixture
def polling_bot(make_app: Callable[..., App], telegram_emulator: str) -> Iterator[Parent]:
    """The channel in long-polling mode, started as the server starts it, in its own event loop."""
    settings, token = settings_for(telegram_emulator)
    channel = TelegramChannel(make_app(), build_bot(settings), poll_timeout=2)
    loop = LoopThread()
    loop.call(channel.start())
    yield Parent(telegram_emulator, token)
    loop.call(channel.stop())
    loop.close()


def test_a_parent_goes_from_start_to_an_answer_with_its_source_and_a_checklist_by_buttons(
    polling_bot: Parent,
) -> None:
    parent = polling_bot
    parent.say("/start")
    menu = parent.replies()
    assert "同行" in texts(menu)

    parent.say("孩子上学要什么材料")
    asked = parent.replies()
    assert "哪个城市" in texts(asked)
    parent.press("厦门", asked)
    answer = parent.replies()
    assert "来源：" in texts(answer)
    assert parent.answered_callbacks() == 1

    parent.press("办居住证", menu)  # an older message's button still works: the core reads the payload
    consent = parent.replies()
    assert "你同意吗" in texts(consent)
    parent.press("同意", consent)
    step = parent.replies()
    assert "谢谢" in texts(step)
    if "哪个城市" in texts(step):  # the city said for the question may already fill this step
        parent.say("厦门")
        step = parent.replies()
    parent.press("给孩子办", step)
    step = parent.replies()
    parent.press("是", step)
    step = parent.replies()
    assert "几岁" in texts(step)
    parent.say("5")
    step = parent.replies()
    parent.press("否", step)
    checklist = parent.replies()
    assert "清单做好了" in texts(checklist)
    documents = [stored for stored in checklist if stored["message"].get("document")]
    assert len(documents) == 1 and "【清单】办居住证" in documents[0]["message"]["document"]["text"]
    assert "找社工" in str(documents[0]["message"]["reply_markup"])  # the keyboard is on the last message

    pressed = [stored for stored in parent.history() if stored.get("edited")]
    assert pressed and all("reply_markup" not in stored["message"] for stored in pressed)
    assert any(str(stored["message"].get("text", "")).endswith("→ 同意") for stored in pressed)


def test_the_command_menu_is_registered_on_the_bot_api_server(polling_bot: Parent) -> None:
    parent = polling_bot
    response = parent.http.post(f"/bot{parent.token}/getMyCommands", data={"language_code": "en"})
    commands = {command["command"]: command["description"] for command in response.json()["result"]}
    assert "help" in commands and "forget" in commands
    assert all(description.isascii() for description in commands.values())


class ServerThread:
    """The real server (uvicorn) on a free port, in a thread; its lifespan starts the channels."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def test_a_webhook_round_trip_through_the_real_server(
    make_app: Callable[..., App], telegram_emulator: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings, token = settings_for(
        telegram_emulator, telegram_webhook_url=url, telegram_webhook_secret="s3cret"
    )
    app = make_app()
    channel = TelegramChannel(
        app, build_bot(settings, polling=False), webhook_url=url, webhook_secret="s3cret"
    )
    with ServerThread(create_server(app, channels=[channel]), port):
        info = httpx.get(f"{telegram_emulator}/bot{token}/getWebhookInfo").json()["result"]
        assert info["url"] == url
        parent = Parent(telegram_emulator, token, chat_id=9002)
        parent.say("/start")  # answered before the emulator's delivery returns
        menu = parent.replies(quiet=0.3)
        assert "同行" in texts(menu)
        parent.press("办居住证", menu)
        assert "你同意吗" in texts(parent.replies(quiet=0.3))
        forged = httpx.post(url, json={"update_id": 1}, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert forged.status_code == 403
