"""The /wechat endpoint with requests built exactly as WeChat sends them, on a real App (the real
conversation core, a SQLite database) and a real HTTP server on loopback in WeChat's API's place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import App
from bot.server.app import create_server
from bot.server.channel import take_turn
from bot.server.wechat import WeChatChannel
from bot.server.wechat_api import WeChatApi
from bot.storage.models import MessageLog, WeChatOutbox
from core.clock import FixedClock
from core.event import Event
from dialogues.engine import Outcome
from tests.bot.server.wechat_fake import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    OPENID,
    TOKEN,
    FakeWeChatApi,
    WeChatSender,
    event_xml,
    fake_wechat_api,
    media_xml,
    text_xml,
)
from tests.conftest import TODAY


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with fake_wechat_api() as api:
        yield api


@pytest.fixture
def wechat_app(make_app: Callable[..., App]) -> App:
    app = make_app(clock=FixedClock(TODAY))
    settings = app.settings.model_copy(
        update={"wechat_token": TOKEN, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET}
    )
    return replace(app, settings=settings)


def channel_for(app: App, api: FakeWeChatApi | None, *, aes: bool = False, **options: object) -> WeChatChannel:
    if aes:
        app = replace(app, settings=app.settings.model_copy(update={"wechat_aes_key": AES_KEY}))
    client = WeChatApi(APP_ID, APP_SECRET, app.clock, api.url) if api else None
    return WeChatChannel(app, client, **options)  # type: ignore[arg-type]


@pytest.fixture
def wechat(wechat_app: App, fake_api: FakeWeChatApi) -> Iterator[WeChatSender]:
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        yield WeChatSender(client, wechat_app.clock)


def test_subscribe_gets_the_welcome_with_numbered_choices(wechat: WeChatSender) -> None:
    reply = wechat.reply_text(wechat.post(event_xml("subscribe")))
    print(reply)
    assert reply
