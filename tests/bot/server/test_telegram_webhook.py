"""Webhook mode on the real server app (FastAPI TestClient), with python-telegram-bot's request seam
for the Bot API: the secret token is checked before anything is read, the webhook is registered at
start, an update is answered before the route returns, and a turn that fails answers 500 so that
Telegram delivers the update again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text

from bot.app import App
from bot.server.app import create_server
from bot.server.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel, build_bot
from core.settings import Settings
from tests.bot.server.telegram_fake import RecordingRequest, channel_for, message, update

URL = "https://tongxing.example/telegram/webhook"
SECRET = "webhook-secret_1"


@pytest.fixture
def served(make_app: Callable[..., App]) -> Iterator[tuple[App, RecordingRequest, TestClient]]:
    app = make_app()
    request = RecordingRequest()
    channel = channel_for(app, request, webhook_url=URL, webhook_secret=SECRET)
    with TestClient(create_server(app, channels=[channel])) as client:
        yield app, request, client


def post(client: TestClient, body: Any, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(WEBHOOK_PATH, content=raw, headers=headers).status_code


def test_the_webhook_is_registered_with_its_secret_at_start(served: Any) -> None:
    _, request, _ = served
    registered = request.called("setWebhook")
    assert registered == [
        {
            "url": URL,
            "secret_token": SECRET,
            "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"],
        }
    ]
    assert request.called("getUpdates") == []  # no long polling beside the webhook


def test_an_update_is_answered_before_the_route_returns(served: Any) -> None:
    _, request, client = served
    assert post(client, update(message=message(77, "/start"))) == 200
    assert any("同行" in text for text in request.texts())


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
def test_a_request_without_the_secret_is_refused_and_not_read(served: Any, secret: str | None) -> None:
    _, request, client = served
    assert post(client, update(message=message(77, "/start")), secret) == 403
    assert request.called("sendMessage") == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"update_id": "x", "message": 5}', b"{}" * 600_000])
def test_a_body_that_is_not_an_update_is_refused(served: Any, body: bytes) -> None:
    _, request, client = served
    assert post(client, body) in {400, 413}
    assert request.called("sendMessage") == []


def test_a_turn_that_fails_answers_500_so_telegram_sends_the_update_again(served: Any) -> None:
    app, request, client = served
    with app.storage.engine.begin() as connection:  # a real failure: the table is gone
        connection.execute(text("ALTER TABLE conversation RENAME TO conversation_away"))
    assert post(client, update(message=message(77, "你好"))) == 500
    with app.storage.engine.begin() as connection:
        connection.execute(text("ALTER TABLE conversation_away RENAME TO conversation"))
    assert post(client, update(message=message(77, "你好"))) == 200
    assert request.texts()


def test_webhook_mode_needs_a_secret(make_app: Callable[..., App]) -> None:
    with pytest.raises(ValueError, match="TONGXING_TELEGRAM_WEBHOOK_SECRET"):
        TelegramChannel(make_app(), build_bot(Settings(telegram_token="1:T"), polling=False), webhook_url=URL)


@pytest.mark.parametrize("secret", ["", "with space", "ä", "x" * 257])
def test_a_secret_telegram_would_refuse_is_refused_in_the_settings(secret: str) -> None:
    with pytest.raises(ValidationError):
        Settings(telegram_webhook_secret=secret)


def test_the_telegram_api_url_points_the_bot_at_another_server() -> None:
    bot = build_bot(Settings(telegram_token="1:T", telegram_api_url="http://127.0.0.1:8081/")).bot
    assert bot.base_url == "http://127.0.0.1:8081/bot1:T"
    assert bot.base_file_url == "http://127.0.0.1:8081/file/bot1:T"


def test_the_server_runs_telegram_when_a_token_is_set(base_app: App, tmp_path: Any) -> None:
    from bot.app import build_app
    from bot.server.channels import enabled_channels
    from tests.conftest import migrate

    url = migrate(f"sqlite:///{tmp_path / 'db.sqlite'}")
    without = build_app(Settings(data_dir=base_app.settings.data_dir, database_url=url), shared=base_app)
    with_token = build_app(
        Settings(data_dir=base_app.settings.data_dir, database_url=url, telegram_token="1:T"), shared=base_app
    )
    try:
        assert "telegram" not in [channel.name for channel in enabled_channels(without)]
        assert "telegram" in [channel.name for channel in enabled_channels(with_token)]
    finally:
        without.close()
        with_token.close()
