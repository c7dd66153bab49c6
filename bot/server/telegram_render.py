"""A core `Reply` as Telegram messages: the text split at Telegram's limit on paragraph boundaries,
the buttons as an inline keyboard on the last piece (callback_data is the button's payload), and a
checklist's document as a .txt file the parent can keep, forward or print (the checklist itself has
already come as readable messages, so sending it again as text would only repeat it).

Plain text only (no parse_mode): nothing a reply says can break Telegram's markup parser."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.message import Button, Reply

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units
SHORT_LABEL = 6  # labels this short (同意 / 不同意) sit side by side, three to a row
DOCUMENT_NAME = "checklist.txt"


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: text, or a document (its text, UTF-8), with an optional keyboard."""

    text: str = ""
    keyboard: InlineKeyboardMarkup | None = None
    document: str | None = None


def units(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts two."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> Iterator[str]:
    piece = ""
    for character in text:
        if units(piece) + units(character) > limit:
            yield piece
            piece = ""
        piece += character
    if piece:
        yield piece


def _pack(parts: Sequence[str], separator: str, limit: int, finer: str | None) -> Iterator[str]:
    """Greedy packing of parts joined by `separator`; a part too long alone is split finer."""
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            yield current
        if units(part) <= limit:
            current = part
        else:
            current = ""
            if finer is None:
                yield from _hard_split(part, limit)
            else:
                yield from _pack(part.split(finer), finer, limit, None if finer == "\n" else "\n")
    if current:
        yield current


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` units: between paragraphs where possible, else between lines, else
    anywhere. Blank pieces are dropped (Telegram refuses an empty message)."""
    return [piece for piece in _pack(text.split("\n\n"), "\n\n", limit, "\n") if piece.strip()]


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    short = all(len(button.label) <= SHORT_LABEL for button in buttons)
    width = 3 if short else 1
    rows = [
        [
            InlineKeyboardButton(button.label, callback_data=button.payload)
            for button in buttons[i : i + width]
        ]
        for i in range(0, len(buttons), width)
    ]
    return InlineKeyboardMarkup(rows)


def render(reply: Reply) -> list[Outgoing]:
    """The messages for one reply, in order; the keyboard goes on the last, so it is at the bottom."""
    markup = keyboard(reply.buttons)
    messages = [Outgoing(text=piece) for piece in split_text(reply.text)]
    if reply.document is not None:
        messages.append(Outgoing(document=reply.document))
    if not messages:
        if markup is None:
            return []
        messages = [Outgoing(text="…")]
    last = messages[-1]
    messages[-1] = Outgoing(last.text, markup, last.document)
    return messages
