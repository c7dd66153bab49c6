"""Whatever Telegram sends, in any order: no crash, and nothing stored lost. Hypothesis draws
sequences of updates (text, commands, photos with and without captions, stickers, voice, locations,
documents, edited messages, button presses with real, stale or forged payloads, redeliveries, group
messages, membership changes) for a fresh chat each time; every message the core accepted is in the
message log exactly once."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update

from bot.app import App
from bot.server.telegram_inbound import read_update
from bot.storage.models import MessageLog
from tests.bot.server.telegram_fake import LoopThread, RecordingRequest, buttons, channel_for, message, update

_chats = itertools.count(700_000)
WORDS = [
    "你好",
    "孩子上学要什么材料",
    "厦门",
    "5",
    "是",
    "否",
    "同意",
    "取消",
    "上一步",
    "/help",
    "/start",
    "/checklist",
    "/lang",
    "/nosuch",
    "/help@TongxingBot",
    "I need help with school",
    "孩子說想上學",
    "😀",
]
ATTACHMENTS: list[dict[str, Any]] = [
    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
    {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
    {"location": {"latitude": 24.5, "longitude": 118.1}},
    {"document": {"file_id": "d", "file_unique_id": "d"}},
    {"contact": {"phone_number": "123", "first_name": "x"}},
]

text = st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=80))
step = st.one_of(
    st.tuples(st.just("text"), text),
    st.tuples(st.just("attachment"), st.tuples(st.sampled_from(ATTACHMENTS), st.none() | text)),
    st.tuples(st.just("edited"), text),
    st.tuples(st.just("press"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("forged"), st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64)),
    st.tuples(st.just("again"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("group"), text),
    st.tuples(st.just("blocked"), st.sampled_from(["kicked", "member"])),
)


@pytest.fixture
def live(make_app: Callable[..., App]) -> Iterator[tuple[App, RecordingRequest, Any, LoopThread]]:
    app, request = make_app(), RecordingRequest()
    channel = channel_for(app, request)
    loop = LoopThread()
    loop.call(channel.bot_application.initialize())
    yield app, request, channel, loop
    loop.call(channel.bot_application.shutdown())
    loop.close()


def _update(
    kind: str, value: Any, chat: int, request: RecordingRequest, sent: list[dict[str, Any]]
) -> dict[str, Any]:
    if kind == "text":
        return update(message=message(chat, value))
    if kind == "attachment":
        attachment, caption = value
        extra = {**attachment, **({"caption": caption} if caption else {})}
        return update(message=message(chat, **extra))
    if kind == "edited":
        return update(edited_message=message(chat, value, message_id=1, edit_date=1_790_000_100))
    if kind in {"press", "forged"}:
        keys = [
            data
            for parameters in request.called("sendMessage")
            for _, data in buttons(parameters)
            if int(parameters["chat_id"]) == chat
        ]
        data = keys[value % len(keys)] if kind == "press" and keys else str(value)
        query = {
            "id": f"{chat}-{len(sent)}",
            "from": {"id": chat, "is_bot": False, "first_name": "x"},
            "chat_instance": "1",
            "data": data,
        }
        return update(callback_query=query)
    if kind == "again" and sent:
        return sent[value % len(sent)]
    if kind == "group":
        return update(message=message(-chat, value, chat_type="group"))
    member = {"user": {"id": chat, "is_bot": False, "first_name": "x"}}
    change = {
        "chat": {"id": chat, "type": "private"},
        "from": member["user"],
        "date": 1,
        "old_chat_member": {**member, "status": "member"},
        "new_chat_member": {**member, "status": value, **({"until_date": 0} if value == "kicked" else {})},
    }
    return update(my_chat_member=change)


def logged_in(app: App, chat: int) -> int:
    mine = (MessageLog.user_key == f"telegram:{chat}") & (MessageLog.direction == "in")
    with app.storage.sessions() as session:
        return int(session.execute(select(func.count()).select_from(MessageLog).where(mine)).scalar_one())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_any_sequence_of_updates_crashes_nothing_and_loses_nothing(
    live: Any, steps: list[tuple[str, Any]]
) -> None:
    app, request, channel, loop = live
    chat = next(_chats)  # a fresh conversation for each example
    sent: list[dict[str, Any]] = []
    accepted: set[str] = set()
    for kind, value in steps:
        data = _update(kind, value, chat, request, sent)
        sent.append(data)
        parsed = Update.de_json(data, channel.bot_application.bot)
        loop.call(channel.handle_update(parsed))  # raises on any failure
        incoming = read_update(parsed)
        if incoming is not None and incoming.inbound is not None and incoming.inbound.message_id:
            accepted.add(incoming.inbound.message_id)
    assert logged_in(app, chat) == len(accepted)
