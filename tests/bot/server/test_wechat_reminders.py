"""Reminders on WeChat through the real /wechat endpoint (requests built as WeChat sends them) and a
real HTTP server in WeChat's API's place: inside the 48-hour window a customer-service message;
outside it the reminder waits and comes with the reply to the parent's next message, marked late,
once; the parent hears what will fall due after the window, and can accept a subscription message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import App
from bot.reminder_notifier import ChannelNotifier, Push
from bot.server.app import create_server
from bot.server.wechat import WeChatChannel
from bot.server.wechat_api import WeChatApi
from core.clock import FixedClock
from core.database import transaction
from reminders.dispatcher import Dispatcher
from reminders.store import PlannedReminder, ReminderRow, plan
from tests.bot.server.wechat_fake import (
    APP_ID,
    APP_SECRET,
    OPENID,
    TOKEN,
    FakeWeChatApi,
    WeChatSender,
    event_xml,
    text_xml,
)
from tests.conftest import TODAY

KEY = f"wechat:{OPENID}"
TEMPLATE = "tmpl_reminder_0001"
REDIRECT = "https://tongxing.example.cn/wechat/subscribed"
LABEL = "百白破疫苗 第3剂"


@pytest.fixture
def wechat_app(make_app: Callable[..., App]) -> App:
    app = make_app(clock=FixedClock(TODAY))
    settings = app.settings.model_copy(
        update={
            "wechat_token": TOKEN,
            "wechat_app_id": APP_ID,
            "wechat_app_secret": APP_SECRET,
            "wechat_subscribe_template_id": TEMPLATE,
            "wechat_subscribe_redirect_url": REDIRECT,
        }
    )
    return replace(app, settings=settings)


def reminder_at(app: App, due: date, send_at: datetime) -> None:
    params = {"vaccine": "dtap", "dose": 3}
    row = PlannedReminder(KEY, "wechat", "vaccine", "vaccine_dose", due, send_at, "UTC", None, params)
    with transaction(app.storage.sessions) as session:
        plan(session, [row], app.clock.now())


def statuses(app: App) -> list[str]:
    with app.storage.sessions() as session:
        return list(session.scalars(select(ReminderRow.status).order_by(ReminderRow.id)))


def tick(app: App, channel: WeChatChannel, client: TestClient) -> None:
    loop = client.portal.call(asyncio.get_running_loop)  # the server's loop, where the API client lives
    pushes = {"wechat": Push(channel.push, reachable=channel.reachable)}
    Dispatcher(app.storage.sessions, ChannelNotifier(app, pushes, loop), app.clock.now).tick()


def serve(app: App, api: FakeWeChatApi) -> tuple[WeChatChannel, TestClient]:
    channel = WeChatChannel(app, WeChatApi(APP_ID, APP_SECRET, app.clock, api.url))
    return channel, TestClient(create_server(app, channels=[channel]))


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def test_inside_the_window_a_due_reminder_goes_out_as_a_customer_service_message(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    clock = wechat_app.clock
    assert isinstance(clock, FixedClock)
    channel, client = serve(wechat_app, fake_api)
    with client:
        WeChatSender(client, clock).post(text_xml("你好"))
        clock.move_to(TODAY + timedelta(hours=30))
        reminder_at(wechat_app, (TODAY + timedelta(hours=30)).date(), utc(TODAY + timedelta(hours=29)))
        tick(wechat_app, channel, client)
    assert statuses(wechat_app) == ["sent"]
    assert LABEL in fake_api.sent[-1]["text"]["content"]


def test_outside_the_window_the_reminder_waits_and_comes_once_with_the_next_reply_marked_late(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    clock = wechat_app.clock
    assert isinstance(clock, FixedClock)
    channel, client = serve(wechat_app, fake_api)
    due = TODAY + timedelta(hours=60)  # the parent wrote at TODAY: the window closed at +48 h
    with client:
        sender = WeChatSender(client, clock)
        sender.post(event_xml("subscribe"))
        reminder_at(wechat_app, due.date(), utc(due))
        clock.move_to(due)
        tick(wechat_app, channel, client)
        assert statuses(wechat_app) == ["waiting_window"] and fake_api.sent == []
        clock.move_to(due + timedelta(days=1))  # the parent writes the day after: late
        reply = sender.reply_text(sender.post(text_xml("你好", created=2)))
        again = sender.reply_text(sender.post(text_xml("谢谢", created=3)))
        tick(wechat_app, channel, client)
    assert LABEL in reply and LABEL not in again
    assert statuses(wechat_app) == ["late"] and fake_api.sent == []


def test_a_reminder_the_parent_gets_on_its_own_day_is_marked_sent(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    clock = wechat_app.clock
    assert isinstance(clock, FixedClock)
    channel, client = serve(wechat_app, fake_api)
    due = TODAY + timedelta(hours=50)
    with client:
        sender = WeChatSender(client, clock)
        sender.post(text_xml("你好"))
        reminder_at(wechat_app, due.date(), utc(due))
        clock.move_to(due)
        tick(wechat_app, channel, client)
        clock.move_to(due + timedelta(hours=1))
        reply = sender.reply_text(sender.post(text_xml("在吗", created=2)))
    assert LABEL in reply and statuses(wechat_app) == ["sent"]


def test_the_parent_hears_once_what_falls_due_after_the_window_and_may_subscribe(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    clock = wechat_app.clock
    assert isinstance(clock, FixedClock)
    channel, client = serve(wechat_app, fake_api)
    due = TODAY + timedelta(days=5)
    reminder_at(wechat_app, due.date(), utc(due))
    with client:
        sender = WeChatSender(client, clock)
        first = sender.reply_text(sender.post(text_xml("你好")))
        second = sender.reply_text(sender.post(text_xml("谢谢", created=2)))
        link = next(word for word in first.split() if "subscribemsg" in word).split("：")[-1]
        query = parse_qs(urlparse(link).query)
        assert query["template_id"] == [TEMPLATE] and query["appid"] == [APP_ID]
        assert query["redirect_url"] == [REDIRECT] and query["action"] == ["get_confirm"]
        answer = {"openid": OPENID, "template_id": TEMPLATE, "action": "confirm", "scene": "1000"}
        forged = client.get("/wechat/subscribed", params={**answer, "reserved": "0" * 32})
        accepted = client.get("/wechat/subscribed", params={**answer, "reserved": query["reserved"][0]})
        clock.move_to(due)  # the window closed three days ago: the subscription carries it
        tick(wechat_app, channel, client)
    assert "还有一条提醒在" in first and LABEL in first and "还有一条提醒在" not in second
    assert forged.status_code == 403 and accepted.status_code == 200
    [message] = fake_api.subscription_sent
    assert message["touser"] == OPENID and message["template_id"] == TEMPLATE
    assert LABEL in message["data"]["content"]["value"] and fake_api.sent == []
    assert statuses(wechat_app) == ["sent"]
