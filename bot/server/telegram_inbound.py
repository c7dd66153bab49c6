"""A Telegram update as what the core understands: an `Inbound` for a message or a pressed button,
with the platform's id (a redelivered update is answered once by the core), or what the channel
answers itself (an edited message). Pure: no I/O, so any shape of update can be tried in the tests.

- The conversation is the private chat (`telegram:<chat id>`); group chats are ignored: a family's
  situation is not discussed in front of a group.
- Text and commands go as they are ("/help@TongxingBot" as "/help").
- A photo, sticker, voice message, location, document... goes as an empty message: the core answers
  that it reads only words and asks again what it was asking. With a caption, the caption is the
  message, and the channel says first that it could not see the attachment itself.
- An edited message is read as a new message (its id: the message's and the edit's time, so a
  redelivered edit is answered once), after the channel says so: the core sees the new words, so
  danger written into an edit still gets the crisis answer first, and a worker's conversation stays
  silent.
- The platform's language is passed only when it names a Chinese script: Telegram has no official
  Chinese interface, so many Chinese-speaking parents run it in English, and the core would otherwise
  answer their Chinese in English. Everyone else gets the script of their first words, or /lang."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import Message, Update

from core.i18n import normalize_locale
from core.message import Inbound

CHANNEL = "telegram"
Kind = Literal["text", "button", "attachment", "edited"]
# What a message can carry besides text; the first one present names it.
ATTACHMENTS = (
    "photo",
    "sticker",
    "voice",
    "video_note",
    "video",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


@dataclass(frozen=True)
class Incoming:
    chat_id: int
    kind: Kind
    inbound: Inbound
    attachment: str | None = None  # what the core did not see (a photo with a caption)
    language_code: str | None = None


def user_key(chat_id: int) -> str:
    """The conversation's key, as bot/conversation.py writes it."""
    return f"{CHANNEL}:{chat_id}"


def platform_locale(language_code: str | None) -> str | None:
    """The locale passed to the core: only a Chinese interface language says which script."""
    if language_code and language_code.lower().startswith("zh"):
        return normalize_locale(language_code)
    return None


def command_text(text: str) -> str:
    """ "/help@TongxingBot more" -> "/help more": the core knows commands by their bare names."""
    if not text.startswith("/"):
        return text
    head, _, rest = text.partition(" ")
    name = head.split("@", 1)[0]
    return f"{name} {rest}" if rest else name


def attachment_of(message: Message) -> str | None:
    return next((kind for kind in ATTACHMENTS if getattr(message, kind, None)), None)


def _from_message(message: Message, kind: Kind) -> Incoming | None:
    if message.chat.type != "private":
        return None
    language = message.from_user.language_code if message.from_user else None
    attachment = attachment_of(message)
    words = message.text if message.text is not None else (message.caption or "")
    if not words and attachment is None:
        return None  # a service message (a pinned message, a permission granted): nothing was said
    inbound = Inbound(
        user_id=str(message.chat.id),
        channel=CHANNEL,
        text=command_text(words),
        locale=platform_locale(language),
        message_id=_message_id(message, kind),
    )
    shown = attachment if (attachment and words.strip()) else None
    if kind == "text" and attachment:
        kind = "attachment"
    return Incoming(message.chat.id, kind, inbound, shown, language)


def _message_id(message: Message, kind: Kind) -> str:
    if kind == "edited":
        edited = int(message.edit_date.timestamp()) if message.edit_date else 0
        return f"edit:{message.message_id}:{edited}"
    return str(message.message_id)


def read_update(update: Update) -> Incoming | None:
    """What an update means for the conversation, or None when it means nothing to it."""
    query = update.callback_query
    if query is not None:
        if not query.data:
            return None  # a game's button: nothing the assistant offered
        message = query.message
        if message is not None and message.chat.type != "private":
            return None
        chat_id = message.chat.id if message is not None else query.from_user.id
        inbound = Inbound(
            user_id=str(chat_id),
            channel=CHANNEL,
            payload=query.data,
            locale=platform_locale(query.from_user.language_code),
            message_id=f"callback:{query.id}",
        )
        return Incoming(chat_id, "button", inbound, language_code=query.from_user.language_code)
    if update.message is not None:
        return _from_message(update.message, "text")
    if update.edited_message is not None:
        return _from_message(update.edited_message, "edited")
    return None
