"""Reading a Telegram update: which language it names, commands by their bare names, what is not
for the conversation."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.server.telegram_inbound import command_text, platform_locale, read_update
from tests.bot.server.telegram_fake import message, update


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("zh-hans", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh", "zh_Hans"),
        ("en", None),
        ("ru", None),
        (None, None),
    ],
)
def test_only_a_chinese_interface_language_is_passed_to_the_core(
    code: str | None, locale: str | None
) -> None:
    assert platform_locale(code) == locale


def test_a_command_addressed_by_the_bots_name_keeps_its_argument() -> None:
    assert command_text("/start@TongxingBot ref42") == "/start ref42"
    assert command_text("/help") == "/help"
    assert command_text("a@b") == "a@b"


def test_a_service_message_means_nothing_to_the_conversation() -> None:
    pinned = update(message=message(5, None, pinned_message=message(5, "x")))
    assert read_update(Update.de_json(pinned, None)) is None


def test_the_conversation_is_the_chat_and_the_id_is_telegrams() -> None:
    incoming = read_update(Update.de_json(update(message=message(5, "你好", message_id=31)), None))
    assert incoming is not None and incoming.inbound is not None
    assert (incoming.inbound.user_id, incoming.inbound.channel, incoming.inbound.message_id) == (
        "5",
        "telegram",
        "31",
    )
