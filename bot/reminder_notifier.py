"""The reminders' `Notifier` for the running assistant: a due reminder becomes a `ReminderDue` event
and goes through the conversation core, so the engine decides whether it is said (no reply: a worker
owns the conversation, consent was withdrawn, the child's plans were stopped), and the replies go out
through the channel's push.

Pushes are a small registry, channel name -> `Push`: WeChat's route by the window planner
(bot/server/wechat_reminders.py: a customer-service message inside the 48-hour window, a subscription
message when the parent accepted one, else nothing now), Telegram's sender. A reminder that cannot go
out now (WeChat's window closed, or a channel with no push: the web chat, the terminal) is not said
yet: the row is marked waiting_window, never dropped, and is said with the reply to the parent's
next message (bot/waiting_reminders.py), marked late or sent then."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bot.app import App
from bot.storage.models import Conversation
from bot.storage.state_loader import UnreadableStateError
from core.event import ReminderDue
from core.message import Reply
from reminders.label import render_label
from reminders.notifier import DeliveryResult, Reminder
from reminders.schedule import Schedule, load_schedule

# (user id, replies, idempotency key) -> "sent" | "waiting" (nothing sent or stored: the row waits
# for the parent's next message, bot/waiting_reminders.py) | "queued" (held in the channel's outbox)
# | "blocked" | anything else: a failure to retry. The push renders the replies its platform's way.
PushSend = Callable[[str, Sequence[Reply], str], Awaitable[str]]
SEND_TIMEOUT = 30.0


Reachable = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True)
class Push:
    send: PushSend
    idempotent: bool = False  # the platform drops a second send with the same key
    # (user id) -> whether the platform can write to the parent now; False: the reminder waits for the
    # parent's next message without being said (WeChat's closed window). None: always.
    reachable: Reachable | None = None


class ChannelNotifier:
    def __init__(
        self,
        application: App,
        pushes: Mapping[str, Push],
        loop: asyncio.AbstractEventLoop | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        self.application = application
        self.pushes = pushes
        self.loop = loop  # the server's event loop, where the platform clients live
        self.schedule = schedule or load_schedule()

    def supports_idempotency(self, channel: str) -> bool:
        push = self.pushes.get(channel)
        return push is not None and push.idempotent

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        push = self.pushes.get(reminder.channel)
        if push is None:
            return DeliveryResult("deferred_window", "no push: waits for the parent's next message")
        if push.reachable is not None and not self.run(_reached(push.reachable, reminder.user_id)):
            return DeliveryResult("deferred_window", "the window is closed: waits for the parent's message")
        t = self.application.translator(self.locale(reminder.user_key))
        event = ReminderDue(
            user_id=reminder.user_id,
            channel=reminder.channel,
            reminder_id=reminder.idempotency_key,
            kind=reminder.kind,
            label=render_label(self.schedule, t, reminder.label_id, reminder.params),
            due=reminder.due,
            child_id=reminder.child_ref,
            label_id=reminder.label_id,
            params=dict(reminder.params),
        )
        outcome = self.application.conversations.handle_outcome(event)
        if not outcome.replies:
            return DeliveryResult("not_now", "not said: a worker, a withdrawn consent or a stopped plan")
        result = self.run(push.send(reminder.user_id, outcome.replies, reminder.idempotency_key))
        if result == "sent":
            return DeliveryResult.sent()
        if result == "waiting":
            return DeliveryResult("deferred_window", "waits for the parent's next message")
        if result == "queued":
            return DeliveryResult("deferred_window", "held in the channel's outbox for the parent's message")
        if result == "blocked":
            return DeliveryResult("blocked", "the parent blocked the bot or unfollowed")
        return DeliveryResult.failed(result[:200])

    def run(self, work: Awaitable[str]) -> str:
        """Run a platform call on the server's loop (from the dispatcher's thread), or on its own."""
        if self.loop is None:
            return asyncio.run(_awaited(work))
        return asyncio.run_coroutine_threadsafe(_awaited(work), self.loop).result(SEND_TIMEOUT)

    def locale(self, user_key: str) -> str | None:
        """The parent's language now (the label is rendered in it); None: the default."""
        return parent_locale(self.application, user_key)


def parent_locale(application: App, user_key: str) -> str | None:
    """The parent's language now, from the stored conversation; None: the default."""
    with application.storage.sessions() as session:
        stored = session.scalar(select(Conversation.state).where(Conversation.user_key == user_key))
    if stored is None:
        return None
    try:
        return application.conversations.states.read(stored).locale
    except UnreadableStateError:
        return None


async def _awaited(work: Awaitable[str]) -> str:
    return await work


async def _reached(reachable: Reachable, user_id: str) -> str:
    return "yes" if await reachable(user_id) else ""
