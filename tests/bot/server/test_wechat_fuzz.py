"""Hypothesis over what reaches /wechat with a valid signature: random bytes, WeChat XML with fields
missing, unknown types, odd events and huge contents. Never a 500, and nothing stored is lost: a
message waiting for the parent is either still waiting or was delivered in a reply, and the
conversation state stays readable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.server.app import create_server
from bot.server.wechat import WeChatChannel
from bot.server.wechat_window import WindowStore
from bot.server.wechat_xml import cdata
from bot.storage.models import Conversation, WeChatOutbox
from core.clock import FixedClock
from tests.bot.server.wechat_fake import ACCOUNT, OPENID, TOKEN, WeChatSender, event_xml
from tests.conftest import TODAY

WAITING = "等待中的提醒：请带好户口本"
FIELDS = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "Event",
    "EventKey",
    "Recognition",
    "PicUrl",
    "Label",
)
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            ACCOUNT,
            OPENID,
            "text",
            "event",
            "voice",
            "image",
            "subscribe",
            "unsubscribe",
            "CLICK",
            "1",
            "/start",
            "cmd:checkup",
            "-1",
            "99999999999999999999999",
        ]
    ),
    st.text(min_size=3000, max_size=70000).map(lambda text: text[:70000]),
)
xml_bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)).map(
    lambda fields: "<xml>" + "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items()) + "</xml>"
)
bodies = st.one_of(
    st.binary(max_size=3000), xml_bodies.map(str.encode), st.text(max_size=500).map(str.encode)
)


def test_nothing_wechat_can_send_breaks_the_endpoint_or_loses_what_is_stored(
    make_app: Callable[..., App],
) -> None:
    app = make_app(clock=FixedClock(TODAY))
    app = replace(app, settings=app.settings.model_copy(update={"wechat_token": TOKEN}))
    channel = WeChatChannel(app, None)
    window = WindowStore(app.storage.sessions, app.storage.cipher, app.clock)
    delivered: list[str] = []

    with TestClient(create_server(app, channels=[channel])) as client:
        sender = WeChatSender(client, app.clock)
        assert sender.reply_text(sender.post(event_xml("subscribe")))
        window.queue(f"wechat:{OPENID}", [WAITING])

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(bodies)
        def post(body: bytes) -> None:
            response = client.post("/wechat", params=sender.query(), content=body)
            assert response.status_code in (200, 400, 413), response.status_code
            if response.status_code == 200 and response.text != "success":
                delivered.append(sender.reply_text(response))

        post()

    with app.storage.sessions() as session:
        waiting = [app.storage.cipher.decrypt(row.body) for row in session.scalars(select(WeChatOutbox))]
        row = session.scalars(select(Conversation).where(Conversation.user_key == f"wechat:{OPENID}")).one()
        assert row.state is not None and app.storage.cipher.decrypt(row.state)
    assert waiting == [WAITING] or any(WAITING in reply for reply in delivered)
