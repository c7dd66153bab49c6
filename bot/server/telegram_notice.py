"""What the Telegram channel says itself, about Telegram things the core never sees: an edited
message, an attachment next to a caption. In the conversation's language (zh_Hans source, through
the catalogs)."""

from __future__ import annotations

from core.i18n import Translator
from core.message import Reply


def edited_notice(t: Translator) -> Reply:
    return Reply(t.gettext("你改了之前的一条消息。改过的消息我不会再回答，请把想说的话重新发一条。"))


def attachment_notice(t: Translator) -> Reply:
    return Reply(t.gettext("图片、语音和文件我看不到，我只看了你写的字。"))
