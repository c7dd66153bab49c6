"""WeChat's XML read safely and written correctly; the replay guard's memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.server.wechat_replay import ReplayGuard
from bot.server.wechat_xml import (
    MAX_BODY_BYTES,
    WeChatMessage,
    XmlError,
    parse_fields,
    parse_message,
    split_text,
    text_reply,
)
from core.clock import FixedClock

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh_a</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content></xml>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><Content>&e;</Content></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL, b"<xml>" * 20000, b"x" * (MAX_BODY_BYTES + 1)])
def test_xml_bombs_entities_and_oversized_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(XmlError):
        parse_fields(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>gh</ToUserName><FromUserName>o 1</FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType>text</MsgType></xml>",
        b"<notxml/>",
    ],
)
def test_a_message_missing_or_malforming_a_required_field_is_refused(body: bytes) -> None:
    with pytest.raises(XmlError):
        parse_message(body)


def test_a_reply_keeps_cdata_terminators_and_drops_characters_xml_cannot_hold() -> None:
    message = WeChatMessage(to_user="gh_a", from_user="o1", create_time=1, msg_type="text")
    xml = text_reply(message, "a]]>b\x00c\n1. 同意", now=5)
    fields = parse_fields(xml.encode())
    assert fields["Content"] == "a]]>bc\n1. 同意"
    assert fields["ToUserName"] == "o1" and fields["FromUserName"] == "gh_a" and fields["CreateTime"] == "5"


@given(st.text(min_size=1, max_size=5000))
def test_split_text_keeps_every_character_within_the_limit(text: str) -> None:
    pieces = split_text(text, limit=300)
    assert all(len(piece.encode("utf-8")) <= 300 for piece in pieces)
    squeeze = "".join(text.split())
    assert "".join("".join(pieces).split()) == squeeze


def test_the_replay_guard_refuses_old_stamps_and_seen_nonces_and_forgets_expired_ones() -> None:
    clock = FixedClock(NOW)
    guard = ReplayGuard(clock, capacity=3)
    stamp = str(int(NOW.timestamp()))
    assert guard.fresh(stamp, "n1") and not guard.fresh(stamp, "n1")
    assert not guard.fresh(str(int((NOW - timedelta(minutes=6)).timestamp())), "n2")
    assert not guard.fresh(str(int((NOW + timedelta(minutes=6)).timestamp())), "n3")
    assert not guard.fresh("not-a-number", "n4")
    for nonce in ("a", "b", "c", "d"):
        assert guard.fresh(stamp, nonce)
    assert len(guard._seen) == 3  # bounded: the oldest went first
    clock.move_to(NOW + timedelta(minutes=4))
    later = str(int(clock.now().timestamp()))
    clock.move_to(NOW + timedelta(minutes=6))
    assert guard.fresh(later, "e")
    assert list(guard._seen) == [(int(later), "e")]  # expired pairs forgotten
