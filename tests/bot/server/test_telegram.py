"""The Telegram channel through python-telegram-bot's request seam (tests/bot/server/telegram_fake.py):
the real Application, handlers and rate limiter, the real core and storage; only the Bot API server
is canned (no Telegram here)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.app import App
from bot.server.telegram import TelegramChannel, TokenRedaction
from bot.server.telegram_commands import bot_commands
from bot.storage.models import BlockedChat, MessageLog
from core.message import Reply
from tests.bot.server.telegram_fake import (
    LoopThread,
    RecordingRequest,
    buttons,
    callback,
    channel_for,
    message,
    run,
    sent_message,
    update,
)

CHAT = 4242


class Bot:
    """The channel, initialised once in one event loop for the test; updates are fed one by one."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel
        self.loop = LoopThread()
        self.loop.call(channel.bot_application.initialize())

    def feed(self, *updates: dict[str, Any]) -> None:
        bot_application = self.channel.bot_application
        for data in updates:
            self.loop.call(bot_application.process_update(Update.de_json(data, bot_application.bot)))

    def close(self) -> None:
        self.loop.call(self.channel.bot_application.shutdown())
        self.loop.close()


def logged(app: App, chat_id: int = CHAT) -> int:
    mine = MessageLog.user_key == f"telegram:{chat_id}"
    with app.storage.sessions() as session:
        return int(session.execute(select(func.count()).select_from(MessageLog).where(mine)).scalar_one())


@pytest.fixture
def telegram(make_app: Callable[..., App]) -> Iterator[tuple[App, RecordingRequest, Bot]]:
    app = make_app()
    request = RecordingRequest()
    bot = Bot(channel_for(app, request))
    yield app, request, bot
    bot.close()


def test_start_answers_with_the_menu_as_an_inline_keyboard(telegram: Any) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "/start")))
    sent = request.called("sendMessage")
    assert sent and "同行" in sent[0]["text"]
    keyboard = buttons(sent[-1])
    assert any(label == "办居住证" for label, _ in keyboard)
    assert all(len(data.encode()) <= 64 for _, data in keyboard)


def test_a_pressed_button_is_answered_its_keyboard_removed_and_its_payload_goes_to_the_core(
    telegram: Any,
) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "/start")))
    menu = sent_message(request)
    payload = dict(buttons(request.called("sendMessage")[-1]))["办居住证"]
    request.calls.clear()
    bot.feed(callback(CHAT, payload, menu))
    assert len(request.called("answerCallbackQuery")) == 1
    edited = request.called("editMessageText")
    assert edited and edited[0]["text"].endswith("→ 办居住证") and "reply_markup" not in edited[0]
    assert any("同意" in text for text in request.texts())  # the permit flow asks consent first


def test_a_redelivered_message_or_press_is_answered_once(telegram: Any) -> None:
    _app, request, bot = telegram
    same = update(message=message(CHAT, "孩子上学要什么材料"))
    bot.feed(same, same)
    first = len(request.called("sendMessage"))
    assert first >= 1
    press = callback(CHAT, "no-such-payload")
    bot.feed(press)
    after_press = len(request.called("sendMessage"))
    bot.feed(press)
    assert len(request.called("sendMessage")) == after_press
    assert len(request.called("answerCallbackQuery")) == 2  # the spinner stops each time


@pytest.mark.parametrize(
    "attachment",
    [
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
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"location": {"latitude": 24.48, "longitude": 118.09}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "a.pdf"}},
    ],
)
def test_an_attachment_without_words_gets_the_cores_words_only_answer(telegram: Any, attachment: Any) -> None:
    app, request, bot = telegram
    bot.feed(update(message=message(CHAT, **attachment)))
    assert "只能看懂文字" in request.texts()[0]
    assert logged(app) >= 2  # the attachment's turn and the answer are in the log like any message


def test_a_photo_with_a_caption_is_answered_from_the_caption_after_saying_the_photo_was_not_seen(
    telegram: Any,
) -> None:
    _app, request, bot = telegram
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    bot.feed(update(message=message(CHAT, photo=photo, caption="孩子上学要什么材料")))
    texts = request.texts()
    assert "看不到" in texts[0]
    assert not any("只能看懂文字" in text for text in texts)


def test_an_edited_message_is_answered_as_new_words_after_saying_so_and_once(telegram: Any) -> None:
    app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "你好", message_id=7)))
    before, sent = logged(app), len(request.texts())
    edited = update(edited_message=message(CHAT, "孩子上学要什么材料", message_id=7, edit_date=1_790_000_100))
    bot.feed(edited, edited)  # the same edit delivered twice
    texts = request.texts()[sent:]
    assert "改了一条消息" in texts[0] and "哪个城市" in "".join(texts[1:])  # the new words, answered
    assert sum("改了一条消息" in text for text in texts) == 1
    assert logged(app) > before  # a turn like any other: in the log, and /forget deletes it


def test_danger_written_into_an_edit_gets_the_crisis_answer(telegram: Any) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "你好", message_id=8)))
    bot.feed(update(edited_message=message(CHAT, "孩子说不想活了", message_id=8, edit_date=1_790_000_200)))
    assert any("110" in text and "12355" in text for text in request.texts())


def test_an_edited_message_notice_follows_the_conversations_language(telegram: Any) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "Hello, I need help with school", language_code="en")))
    edited = message(CHAT, "I need help with school please", message_id=1, edit_date=1, language_code="en")
    bot.feed(update(edited_message=edited))
    assert any(text.startswith("You edited") for text in request.texts())


def test_group_chats_are_ignored(telegram: Any) -> None:
    app, request, bot = telegram
    bot.feed(update(message=message(-100, "孩子上学要什么材料", chat_type="group")))
    assert request.called("sendMessage") == []
    assert logged(app, -100) == 0


def test_a_command_addressed_to_the_bot_by_name_is_the_command(telegram: Any) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "/help@TongxingBot")))
    assert not any("没有这个命令" in text for text in request.texts())


def test_a_429_is_waited_out_and_the_message_sent_once(telegram: Any) -> None:
    _app, request, bot = telegram
    request.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    bot.feed(update(message=message(CHAT, "/help")))
    texts = request.texts()
    assert len(texts) == len(set(texts)) + 1  # the refused message was sent again, once
    assert texts[0] == texts[1]


def test_a_403_records_the_block_and_nothing_more_is_sent_until_the_parent_writes(telegram: Any) -> None:
    _app, request, bot = telegram
    request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    bot.feed(update(message=message(CHAT, "/start")))
    assert len(request.called("sendMessage")) == 1  # the rest of the turn's messages were dropped
    assert bot.channel.blocked.is_blocked(f"telegram:{CHAT}")
    request.calls.clear()
    delivered = bot.loop.call(bot.channel.sender.deliver(CHAT, [Reply("百白破第3剂快到了")]))
    assert delivered is False and request.calls == []
    bot.feed(update(message=message(CHAT, "你好")))  # they unblocked and wrote
    assert not bot.channel.blocked.is_blocked(f"telegram:{CHAT}")
    assert request.called("sendMessage")


def test_telegram_saying_the_user_blocked_the_bot_records_it(telegram: Any) -> None:
    app, _request, bot = telegram
    member = {"user": {"id": CHAT, "is_bot": False, "first_name": "家长"}}
    change = {
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "家长"},
        "date": 1_790_000_000,
        "old_chat_member": {**member, "status": "member"},
        "new_chat_member": {**member, "status": "kicked", "until_date": 0},
    }
    bot.feed(update(my_chat_member=change))
    with app.storage.sessions() as session:
        assert session.scalar(select(func.count()).select_from(BlockedChat)) == 1


async def _start_and_stop(channel: TelegramChannel) -> None:
    await channel.start()
    await channel.stop()


def test_the_command_menu_is_registered_in_each_language_from_the_core_registry(
    make_app: Callable[..., App],
) -> None:
    app, request = make_app(), RecordingRequest()
    channel = channel_for(app, request)
    run(lambda: _start_and_stop(channel))
    menus = {call.get("language_code", ""): call["commands"] for call in request.called("setMyCommands")}
    assert set(menus) == {"", "zh", "en"}
    english = bot_commands(app.translator, app.data.flows, "en")
    assert menus["en"] == [command.to_dict() for command in english]
    assert {"help", "checklist", "forget", "mydata"} <= {command["command"] for command in menus["zh"]}
    assert menus["zh"] != menus["en"]


def test_a_parent_on_an_english_interface_who_writes_chinese_gets_a_chinese_menu_for_the_chat(
    telegram: Any,
) -> None:
    app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "孩子上学要什么材料", language_code="en")))
    scoped = request.called("setMyCommands")
    assert len(scoped) == 1 and scoped[0]["scope"] == {"type": "chat", "chat_id": CHAT}
    assert scoped[0]["commands"] == [
        c.to_dict() for c in bot_commands(app.translator, app.data.flows, "zh_Hans")
    ]
    bot.feed(update(message=message(CHAT, "谢谢", language_code="en")))
    assert len(request.called("setMyCommands")) == 1  # once per chat


def test_the_bot_token_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    redaction = TokenRedaction("123456:SECRET")
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: POST %s "%s"',
        ("https://api.telegram.org/bot123456:SECRET/getUpdates", "HTTP/1.1 200 OK"),
        None,
    )
    assert redaction.filter(record)
    assert "SECRET" not in record.getMessage() and "bot<token>/getUpdates" in record.getMessage()


def test_a_button_of_an_old_step_is_answered_kindly_and_changes_nothing(telegram: Any) -> None:
    _app, request, bot = telegram
    bot.feed(update(message=message(CHAT, "/start")))
    permit = dict(buttons(request.called("sendMessage")[-1]))["办居住证"]
    bot.feed(callback(CHAT, permit))
    consent = request.called("sendMessage")[-1]
    agree = dict(buttons(consent))["同意"]
    bot.feed(callback(CHAT, agree))  # the flow moves on to its first step
    assert "第1步" in request.texts()[-1]
    bot.feed(callback(CHAT, agree))  # the consent button pressed again, later (a new press, a new id)
    assert len(request.called("answerCallbackQuery")) == 3
    assert "过期" in request.texts()[-2] and "第1步" in request.texts()[-1]  # said kindly, then the same step


def test_a_push_reaches_the_chat_and_a_blocked_chat_is_reported_blocked(telegram: Any) -> None:
    from bot.server.channels import telegram_target

    _app, request, bot = telegram
    push = telegram_target(bot.channel)
    assert bot.loop.call(push(str(CHAT), [Reply("百白破第3剂快到了")])) == "sent"
    assert request.texts() == ["百白破第3剂快到了"]
    bot.channel.blocked.block(f"telegram:{CHAT}", _app.clock.now())
    request.calls.clear()
    assert bot.loop.call(push(str(CHAT), [Reply("提醒")])) == "blocked"
    assert request.calls == []
    assert bot.loop.call(push("not-a-chat", [Reply("提醒")])) != "sent"
