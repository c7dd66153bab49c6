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
    media_xml,
    text_xml,
)
from tests.conftest import TODAY


@pytest.fixture
def wechat_app(make_app: Callable[..., App]) -> App:
    app = make_app(clock=FixedClock(TODAY))
    settings = app.settings.model_copy(
        update={"wechat_token": TOKEN, "wechat_app_id": APP_ID, "wechat_app_secret": APP_SECRET}
    )
    return replace(app, settings=settings)


def channel_for(
    app: App, api: FakeWeChatApi | None, *, aes: bool = False, **options: object
) -> WeChatChannel:
    if aes:
        app = replace(app, settings=app.settings.model_copy(update={"wechat_aes_key": AES_KEY}))
    client = WeChatApi(APP_ID, APP_SECRET, app.clock, api.url) if api else None
    return WeChatChannel(app, client, **options)  # type: ignore[arg-type]


@pytest.fixture
def wechat(wechat_app: App, fake_api: FakeWeChatApi) -> Iterator[WeChatSender]:
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        yield WeChatSender(client, wechat_app.clock)


def _logged(app: App, direction: str) -> int:
    with app.storage.sessions() as session:
        rows = session.scalars(
            select(MessageLog).where(
                MessageLog.user_key == f"wechat:{OPENID}", MessageLog.direction == direction
            )
        ).all()
    return len(rows)


# --- verification, signatures, replays ---------------------------------------------------------


def test_url_verification_echoes_echostr_when_the_signature_holds(wechat: WeChatSender) -> None:
    response = wechat.client.get("/wechat", params={**wechat.query(), "echostr": "4815162342"})
    assert response.status_code == 200 and response.text == "4815162342"


def test_url_verification_with_a_wrong_signature_is_refused_bare(wechat: WeChatSender) -> None:
    params = {**wechat.query(), "echostr": "4815162342"}
    params["signature"] = "0" * 40
    response = wechat.client.get("/wechat", params=params)
    assert response.status_code == 403 and response.content == b""


@pytest.mark.parametrize(
    "override",
    [{"signature": "0" * 40}, {"signature": ""}, {"timestamp": "1"}, {"nonce": "someone-elses"}],
)
def test_a_message_with_a_bad_signature_is_refused_and_not_stored(
    wechat: WeChatSender, wechat_app: App, override: dict[str, str]
) -> None:
    params = {**wechat.query(), **override}
    response = wechat.client.post("/wechat", params=params, content=text_xml("你好").encode())
    assert response.status_code == 403 and response.content == b""
    assert _logged(wechat_app, "in") == 0


def test_a_replayed_request_is_refused(wechat: WeChatSender, wechat_app: App) -> None:
    query = wechat.query()
    first = wechat.client.post("/wechat", params=query, content=text_xml("你好").encode())
    again = wechat.client.post("/wechat", params=query, content=text_xml("你好").encode())
    assert wechat.reply_text(first)
    assert again.status_code == 403 and again.content == b""
    assert _logged(wechat_app, "in") == 1


def test_a_request_older_than_five_minutes_is_refused(wechat: WeChatSender, wechat_app: App) -> None:
    old = str(int((wechat_app.clock.now() - timedelta(minutes=6)).timestamp()))
    response = wechat.post(text_xml("你好"), **wechat.query(timestamp=old))
    assert response.status_code == 403
    assert _logged(wechat_app, "in") == 0


# --- plaintext conversation ----------------------------------------------------------------------


def test_subscribe_gets_the_welcome_with_numbered_choices(wechat: WeChatSender) -> None:
    reply = wechat.reply_text(wechat.post(event_xml("subscribe")))
    assert "同行" in reply
    assert "\n1. " in reply and "\n2. " in reply


def test_typing_a_number_back_presses_that_choice(wechat: WeChatSender) -> None:
    welcome = wechat.reply_text(wechat.post(event_xml("subscribe")))
    choice = next(line for line in welcome.splitlines() if line.startswith("3. "))[3:]
    assert choice == "办居住证"
    consent = wechat.reply_text(wechat.post(text_xml("3")))
    assert consent.endswith("\n1. 同意\n2. 不同意")
    first_step = wechat.reply_text(wechat.post(text_xml("1")))
    assert first_step and "你同意吗" not in first_step
    assert "\n1. " in first_step  # the flow's first question, with its own numbered choices


def test_a_text_question_is_answered_passively(wechat: WeChatSender) -> None:
    reply = wechat.reply_text(wechat.post(text_xml("孩子在厦门上小学要什么材料")))
    assert "学" in reply


def test_a_menu_click_runs_its_key_as_a_command(wechat: WeChatSender) -> None:
    welcome = wechat.reply_text(wechat.post(event_xml("subscribe")))
    helped = wechat.reply_text(wechat.post(event_xml("CLICK", "/help", created=2)))
    assert helped and helped.splitlines()[0] == welcome.splitlines()[0]


def test_a_menu_click_with_a_stale_payload_gets_a_kind_answer(wechat: WeChatSender) -> None:
    reply = wechat.reply_text(wechat.post(event_xml("CLICK", "flow:no_such_flow", created=3)))
    assert reply


def test_unsubscribe_is_recorded_and_nothing_more_is_sent(wechat_app: App, fake_api: FakeWeChatApi) -> None:
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        sender = WeChatSender(client, wechat_app.clock)
        sender.reply_text(sender.post(event_xml("subscribe")))
        assert sender.reply_text(sender.post(event_xml("unsubscribe", created=5))) == ""
        assert client.portal.call(channel.deliver, OPENID, ["提醒：明天打疫苗"]) == "queued"
    assert fake_api.sent == []


@pytest.mark.parametrize("recognition", ["孩子上学要什么材料", ""])
def test_voice_is_answered_from_recognition_or_asked_to_type(wechat: WeChatSender, recognition: str) -> None:
    extra = f"<Format><![CDATA[amr]]></Format><Recognition><![CDATA[{recognition}]]></Recognition>"
    reply = wechat.reply_text(wechat.post(media_xml("voice", extra)))
    if recognition:  # answered as if typed: the same reply another parent gets for the words
        typed = wechat.reply_text(wechat.post(text_xml(recognition, openid="oAnotherParent_0001")))
        assert reply == typed and not reply.startswith("这条语音")
    else:
        assert reply.startswith("这条语音我听不了。") and "文字" in reply


@pytest.mark.parametrize(
    ("kind", "said"), [("image", "图片"), ("location", "位置"), ("link", "链接"), ("video", "视频")]
)
def test_media_the_assistant_cannot_read_gets_a_clear_reply(
    wechat: WeChatSender, kind: str, said: str
) -> None:
    reply = wechat.reply_text(wechat.post(media_xml(kind)))
    assert said in reply.splitlines()[0] and "文字" in reply


def test_a_redelivered_message_is_answered_once_with_the_same_reply(
    wechat: WeChatSender, wechat_app: App
) -> None:
    xml = text_xml("孩子上学要什么材料", msg_id=1234567890123)
    first = wechat.reply_text(wechat.post(xml))
    second = wechat.reply_text(wechat.post(xml))  # WeChat's retry: same MsgId, a new nonce
    assert first and second == first
    assert _logged(wechat_app, "in") == 1


def test_a_redelivery_reaching_another_process_gets_success(wechat_app: App) -> None:
    xml = text_xml("孩子上学要什么材料", msg_id=99887766)
    replies = []
    for _ in range(2):  # two channels: two server processes on one database
        with TestClient(create_server(wechat_app, channels=[channel_for(wechat_app, None)])) as client:
            sender = WeChatSender(client, wechat_app.clock)
            replies.append(sender.reply_text(sender.post(xml)))
    assert replies[0] and replies[1] == ""
    assert _logged(wechat_app, "in") == 1


def test_a_redelivered_event_is_answered_once(wechat: WeChatSender, wechat_app: App) -> None:
    first = wechat.reply_text(wechat.post(event_xml("subscribe", created=77)))
    wechat.reply_text(wechat.post(event_xml("subscribe", created=77)))
    assert first and _logged(wechat_app, "in") == 1


# --- safe (AES) mode ----------------------------------------------------------------------------


@pytest.fixture
def safe_wechat(wechat_app: App) -> Iterator[WeChatSender]:
    channel = channel_for(wechat_app, None, aes=True)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        yield WeChatSender(client, wechat_app.clock, aes=True)


def test_safe_mode_decrypts_the_message_and_encrypts_the_reply(safe_wechat: WeChatSender) -> None:
    response = safe_wechat.post(event_xml("subscribe"))
    assert "<Encrypt>" in response.text and "同行" not in response.text
    welcome = safe_wechat.reply_text(response)
    assert "同行" in welcome
    assert safe_wechat.reply_text(safe_wechat.post(text_xml("3")))


def test_safe_mode_refuses_a_bad_msg_signature(safe_wechat: WeChatSender, wechat_app: App) -> None:
    response = safe_wechat.post(text_xml("你好"), msg_signature="0" * 40)
    assert response.status_code == 403 and response.content == b""
    assert _logged(wechat_app, "in") == 0


def test_safe_mode_refuses_plaintext_messages(safe_wechat: WeChatSender) -> None:
    params = {**safe_wechat.query(), "openid": OPENID}
    response = safe_wechat.client.post("/wechat", params=params, content=text_xml("你好").encode())
    assert response.status_code == 403


def test_safe_mode_refuses_a_message_for_another_account(safe_wechat: WeChatSender) -> None:
    from bot.server.wechat_crypto import MessageCipher, signature
    from bot.server.wechat_xml import cdata

    enc = MessageCipher(AES_KEY, "wxsomeoneelse000").encrypt(text_xml("你好"))
    params = {**safe_wechat.query(), "encrypt_type": "aes"}
    params["msg_signature"] = signature(TOKEN, params["timestamp"], params["nonce"], enc)
    body = f"<xml><Encrypt>{cdata(enc)}</Encrypt></xml>".encode()
    assert safe_wechat.client.post("/wechat", params=params, content=body).status_code == 403


# --- late turns, customer-service messages, the 48-hour window -----------------------------------


def slow_turn(seconds: float) -> Callable[[App, Event], object]:
    """The real turn, started late: stands for a turn that takes longer than WeChat waits."""

    async def turn(application: App, event: Event) -> Outcome:
        await asyncio.sleep(seconds)
        return await take_turn(application, event)

    return turn


def test_a_slow_turn_answers_success_then_by_customer_service_message(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    channel = channel_for(wechat_app, fake_api, deadline=0.05, turn=slow_turn(0.5))
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        sender = WeChatSender(client, wechat_app.clock)
        response = sender.post(event_xml("subscribe"))
        assert response.text == "success"
        sent = fake_api.wait_for(1)
    assert sent[0]["touser"] == OPENID and sent[0]["msgtype"] == "text"
    assert "同行" in sent[0]["text"]["content"] and "\n1. " in sent[0]["text"]["content"]
    assert fake_api.tokens_issued == 1


def test_the_access_token_is_cached_and_refreshed_when_invalid(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        WeChatSender(client, wechat_app.clock).post(text_xml("你好"))  # opens the window
        assert client.portal.call(channel.deliver, OPENID, ["一"]) == "sent"
        assert client.portal.call(channel.deliver, OPENID, ["二"]) == "sent"
        assert fake_api.tokens_issued == 1
        fake_api.tokens_issued += 1  # another process took a new token: ours is invalid now
        assert client.portal.call(channel.deliver, OPENID, ["三"]) == "sent"
    assert [m["text"]["content"] for m in fake_api.sent] == ["一", "二", "三"]


def test_outside_the_48_hour_window_a_message_waits_for_the_next_reply(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    clock = wechat_app.clock
    assert isinstance(clock, FixedClock)
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        sender = WeChatSender(client, clock)
        sender.reply_text(sender.post(event_xml("subscribe")))
        clock.move_to(TODAY + timedelta(hours=47))
        assert client.portal.call(channel.deliver, OPENID, ["提醒一：还在窗口内"]) == "sent"
        clock.move_to(TODAY + timedelta(hours=49))
        assert client.portal.call(channel.deliver, OPENID, ["提醒二：明天打疫苗"]) == "queued"
        assert len(fake_api.sent) == 1
        reply = sender.reply_text(sender.post(text_xml("你好", created=2)))
    assert reply.startswith("提醒二：明天打疫苗\n\n")
    with wechat_app.storage.sessions() as session:
        assert session.scalars(select(WeChatOutbox)).all() == []


def test_a_refused_customer_service_message_is_queued_not_lost(
    wechat_app: App, fake_api: FakeWeChatApi
) -> None:
    channel = channel_for(wechat_app, fake_api)
    with TestClient(create_server(wechat_app, channels=[channel])) as client:
        sender = WeChatSender(client, wechat_app.clock)
        sender.post(text_xml("你好"))
        fake_api.send_errors.append(45015)  # WeChat: outside the reply time limit
        assert client.portal.call(channel.deliver, OPENID, ["一", "二"]) == "queued"
        reply = sender.reply_text(sender.post(text_xml("你好", created=2)))
    assert reply.startswith("一\n\n二\n\n")
