"""The command menu Telegram shows beside the text box, from the core's command registry
(dialogues/commands.py: the commands with descriptions, then the flows' commands), in each language.

Telegram picks a menu by the user's interface language, given as a two-letter ISO 639-1 code, so it
cannot tell Simplified from Traditional Chinese: the default menu and "zh" are in the service's
default locale (Simplified unless TONGXING_DEFAULT_LOCALE says otherwise), "en" in English. A chat
whose conversation runs in another language than its interface would show (a parent on an English
interface who writes Chinese, or one who chose 繁體 with /lang) gets its own menu for that chat."""

from __future__ import annotations

import re

from telegram import Bot, BotCommand, BotCommandScopeChat

from core.i18n import Translators, normalize_locale
from dialogues.commands import command_menu
from dialogues.flow import FlowSet

NAME = re.compile(r"[a-z0-9_]{1,32}")  # Telegram's rule for a command


def bot_commands(translators: Translators, flows: FlowSet, locale: str) -> list[BotCommand]:
    commands = []
    for command, description in command_menu(translators(locale), flows):
        name = command.removeprefix("/")
        if NAME.fullmatch(name) and description.strip():
            commands.append(BotCommand(name, description.strip()[:256]))
    return commands


def menu_languages(default_locale: str) -> dict[str, str]:
    """Telegram's language_code ("" for the default menu) -> the locale its menu is written in."""
    default = normalize_locale(default_locale)
    chinese = default if default.startswith("zh") else "zh_Hans"
    return {"": default, "zh": chinese, "en": "en"}


def shown_menu(language_code: str | None, default_locale: str) -> str:
    """The locale of the menu Telegram shows a user with this interface language."""
    languages = menu_languages(default_locale)
    code = (language_code or "").lower()[:2]
    return languages.get(code, languages[""])


async def register_commands(bot: Bot, translators: Translators, flows: FlowSet, default_locale: str) -> None:
    for code, locale in menu_languages(default_locale).items():
        commands = bot_commands(translators, flows, locale)
        await bot.set_my_commands(commands, language_code=code or None)


async def register_chat_commands(
    bot: Bot, translators: Translators, flows: FlowSet, chat_id: int, locale: str
) -> None:
    """One chat's own menu, in the language its conversation runs in."""
    await bot.set_my_commands(bot_commands(translators, flows, locale), scope=BotCommandScopeChat(chat_id))
