"""Saying something to a parent who did not just write: a worker's reply, a hand-back notice (and,
once unified, a reminder). Each channel that can reach a parent registers one push target under its
name; `deliver` finds the target by the channel part of the conversation key ("telegram:42").

- telegram: sent at once through the channel's Sender (nothing to a chat that blocked the bot);
- wechat: a customer-service message inside the 48-hour window, else kept for the parent's next
  message (bot/server/wechat.py);
- web (the web chat): the page cannot be written to, so the replies are stored (the `outbox` table,
  encrypted) and the page collects them at its next poll or message (GET /chat/api/inbox).

The targets are built with the channels (bot/server/channels.py) and handed to whoever delivers:
no global registry."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher, CipherError
from bot.storage.models import Outbox
from core.clock import Clock
from core.database import transaction
from core.message import Button, Reply

LOG = logging.getLogger("tongxing.push")
# (the user's id within the channel, the replies) -> "sent" | "queued" | "stored" | "blocked"
PushTarget = Callable[[str, Sequence[Reply]], Awaitable[str]]
NO_CHANNEL = "no_channel"


class PushTargets:
    def __init__(self) -> None:
        self._targets: dict[str, PushTarget] = {}

    def register(self, channel: str, target: PushTarget) -> None:
        self._targets[channel] = target

    def channels(self) -> list[str]:
        return sorted(self._targets)

    async def deliver(self, user_key: str, replies: Sequence[Reply]) -> str:
        """Send the replies through the parent's own channel; what happened to them. A channel that
        is not running here (not configured) gets nothing and says so: the caller shows it."""
        if not replies:
            return "sent"
        channel, _, user_id = user_key.partition(":")
        target = self._targets.get(channel)
        if target is None:
            LOG.warning("no push target for channel %s", channel)
            return NO_CHANNEL
        return await target(user_id, replies)


async def deliver(targets: PushTargets, user_key: str, replies: Sequence[Reply]) -> str:
    return await targets.deliver(user_key, replies)


def _reply_json(reply: Reply) -> str:
    buttons = [{"label": button.label, "payload": button.payload} for button in reply.buttons]
    return json.dumps(
        {"text": reply.text, "buttons": buttons, "document": reply.document}, ensure_ascii=False
    )


def _reply_from(raw: str) -> Reply:
    data = json.loads(raw)
    buttons = tuple(Button(label=b["label"], payload=b["payload"]) for b in data.get("buttons", []))
    return Reply(data["text"], buttons=buttons, document=data.get("document"))


class StoredReplies:
    """The outbox of a channel whose parents collect their messages (the web chat)."""

    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher, clock: Clock) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.clock = clock

    def store(self, user_key: str, replies: Sequence[Reply], now: datetime) -> None:
        with transaction(self.sessions) as session:
            for reply in replies:
                body = self.cipher.encrypt(_reply_json(reply))
                session.add(Outbox(user_key=user_key, body=body, created_at=now))

    def collect(self, user_key: str) -> list[Reply]:
        """The stored replies, oldest first, taken out (each is collected once)."""
        with transaction(self.sessions) as session:
            rows = list(
                session.scalars(
                    select(Outbox).where(Outbox.user_key == user_key).order_by(Outbox.id).with_for_update()
                )
            )
            if rows:
                session.execute(delete(Outbox).where(Outbox.id.in_([row.id for row in rows])))
        replies = []
        for row in rows:
            try:
                replies.append(_reply_from(self.cipher.decrypt(row.body)))
            except (CipherError, ValueError, KeyError):
                LOG.warning("an outbox message could not be read")
        return replies

    def target(self, channel: str) -> PushTarget:
        async def store(user_id: str, replies: Sequence[Reply]) -> str:
            await anyio.to_thread.run_sync(self.store, f"{channel}:{user_id}", replies, self.clock.now())
            return "stored"

        return store
