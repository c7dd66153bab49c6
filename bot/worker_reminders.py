"""Workers' visit reminders through the dispatcher: a `Notifier` that takes the rows on the channel
`worker` (bot/storage/key_children.py plans them) and hands every other row to the parents' notifier.

A worker's reminder never goes through the conversation core (a worker is not a parent): it is
checked against the key children (a visit done since, a child no longer key, a worker disabled:
the row is cancelled), written in the service's default language, and pushed to the worker's linked
Telegram chat through the Telegram push (bot/server/channels.py). A worker without a linked chat
sees it in the console; the row waits (waiting_window) and goes out when they link one. If the
worker blocked the bot, the link is dropped and the row waits the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import update

from bot.app import App
from bot.reminder_notifier import ChannelNotifier, Push
from bot.storage.key_child_models import WORKER_CHANNEL, KeyChild
from bot.storage.key_children import KeyChildren
from bot.storage.models import Worker
from bot.storage.worker_telegram import WorkerTelegramLinks
from core.database import transaction
from core.i18n import Translator
from core.message import Reply
from reminders.label import render_label
from reminders.notifier import DeliveryResult, Reminder
from reminders.store import ReminderRow
from reminders.visit import CareSchedule, load_visits

TELEGRAM = "telegram"


def reminder_text(t: Translator, label: str, reminder: Reminder, child: KeyChild | None) -> str:
    """The worker's message: what is due and when, which child by number and district (never a
    name: a chat app is not where a child's name goes), and where to record it."""
    day = t.format_date(reminder.due)
    if child is None:
        return t.gettext(
            "重点关爱儿童{label}：{date}起，请更新你负责的孩子的信息，在社工工作台记录。",
            label=label,
            date=day,
        )
    return t.gettext(
        "重点关爱儿童 #{number}（{district}）{label}：{date}到期。完成后请在社工工作台记录。",
        number=child.id,
        district=child.district or "-",
        label=label,
        date=day,
    )


class WorkerNotifier:
    """Routes a claimed reminder: the worker channel here, everything else to `parents`."""

    def __init__(
        self,
        parents: ChannelNotifier,
        application: App,
        pushes: Mapping[str, Push],
        schedule: CareSchedule | None = None,
    ) -> None:
        self.parents = parents
        self.application = application
        self.pushes = pushes
        storage = application.storage
        self.care = schedule or load_visits()
        self.children = KeyChildren(storage.sessions, storage.cipher, self.care, application.clock.zone)
        self.links = WorkerTelegramLinks(storage.sessions)

    def supports_idempotency(self, channel: str) -> bool:
        if channel == WORKER_CHANNEL:
            return False
        return self.parents.supports_idempotency(channel)

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        if reminder.channel != WORKER_CHANNEL:
            return self.parents.deliver(reminder)
        worker_id = int(reminder.user_id) if reminder.user_id.isdigit() else 0
        kind = next(
            (kind for kind in self.care.kinds if self.care.rule(kind).label == reminder.label_id), None
        )
        wanted = (
            None
            if kind is None or not self._active(worker_id)
            else (self.children.still_due(worker_id, reminder.child_ref, kind, reminder.due))
        )
        if not wanted:
            self._cancel(reminder.id)
            return DeliveryResult("not_now", "no longer due: done, ended, or the worker disabled")
        chat = self.links.chat_of(worker_id)
        push = self.pushes.get(TELEGRAM)
        if chat is None or push is None:
            return DeliveryResult("deferred_window", "no linked Telegram: shown in the console")
        t = self.application.translator(self.application.settings.default_locale)
        label = render_label(self.parents.schedule, t, reminder.label_id, reminder.params)
        child = wanted if isinstance(wanted, KeyChild) else None
        text = reminder_text(t, label, reminder, child)
        result = self.parents.run(push.send(str(chat), [Reply(text)], reminder.idempotency_key))
        if result == "sent":
            return DeliveryResult.sent()
        if result == "blocked":
            self.links.unlink(worker_id)
            return DeliveryResult("deferred_window", "the worker blocked the bot: link dropped")
        return DeliveryResult.failed(result[:200])

    def _active(self, worker_id: int) -> bool:
        with self.application.storage.sessions() as session:
            worker = session.get(Worker, worker_id)
            return worker is not None and not worker.disabled

    def _cancel(self, row_id: int) -> None:
        """This row only (the dispatcher's mark then finds it cancelled and leaves it)."""
        with transaction(self.application.storage.sessions) as session:
            session.execute(
                update(ReminderRow)
                .where(ReminderRow.id == row_id)
                .values(
                    status="cancelled",
                    next_attempt_at=None,
                    last_error="no longer due",
                    updated_at=self.application.clock.now(),
                )
            )


def worker_notifier(
    application: App, pushes: Mapping[str, Push], loop: asyncio.AbstractEventLoop | None = None
) -> WorkerNotifier:
    return WorkerNotifier(ChannelNotifier(application, pushes, loop), application, pushes)
