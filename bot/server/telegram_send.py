"""Sending to a Telegram chat: a reply's messages in order, through the Application's rate limiter
(AIORateLimiter: Telegram's flood limits kept, a 429's retry_after waited out and the call retried).
A 403 (the parent blocked the bot) is recorded, the rest of the turn's messages are dropped, and
`deliver` (what the assistant sends on its own: a reminder, a worker's message) sends nothing to a
chat recorded as blocked."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio.to_thread
from telegram import Bot, InputFile
from telegram.error import Forbidden

from bot.server.telegram_inbound import user_key
from bot.server.telegram_render import DOCUMENT_NAME, Outgoing, render
from bot.storage.blocked import BlockedChats
from core.clock import Clock
from core.message import Reply

LOG = logging.getLogger("tongxing.telegram")


class Sender:
    def __init__(self, bot: Bot, blocked: BlockedChats, clock: Clock) -> None:
        self.bot = bot
        self.blocked = blocked
        self.clock = clock

    async def send(self, chat_id: int, replies: Sequence[Reply]) -> bool:
        """The replies to a message the parent just sent. False when the chat turned out blocked."""
        for reply in replies:
            for message in render(reply):
                try:
                    await self._send_one(chat_id, message)
                except Forbidden:
                    await anyio.to_thread.run_sync(self.blocked.block, user_key(chat_id), self.clock.now())
                    LOG.info("a chat blocked the bot: nothing more is sent to it")
                    return False
        return True

    async def deliver(self, chat_id: int, replies: Sequence[Reply]) -> bool:
        """What the assistant says on its own initiative: nothing to a chat that blocked the bot."""
        if await anyio.to_thread.run_sync(self.blocked.is_blocked, user_key(chat_id)):
            return False
        return await self.send(chat_id, replies)

    async def _send_one(self, chat_id: int, message: Outgoing) -> None:
        if message.document is not None:
            data = ("\ufeff" + message.document).encode(
                "utf-8"
            )  # the BOM: old Windows Notepad reads it right
            await self.bot.send_document(
                chat_id, InputFile(data, filename=DOCUMENT_NAME), reply_markup=message.keyboard
            )
        else:
            await self.bot.send_message(chat_id, message.text, reply_markup=message.keyboard)
