"""What the Telegram channel says itself, about Telegram things the core does not know: that a
message was edited (the core answers the new words), that an attachment came with a caption. In the
conversation's language (zh_Hans source, through the catalogs)."""

from __future__ import annotations

from core.i18n import Translator
from core.message import Reply


def edited_notice(t: Translator) -> Reply:
    return Reply(t.gettext("你改了一条消息，我按改过的话来回答。"))


def attachment_notice(t: Translator) -> Reply:
    return Reply(t.gettext("图片、语音和文件我看不到，我只看了你写的字。"))
