"""Reminders on WeChat, routed by the window planner (reminders/window.py) with the window stored per
parent (bot/server/wechat_window.py):

- due while the 48-hour window is open: a customer-service message (客服消息);
- due while it is closed, with a subscription message accepted (一次性订阅消息): that message;
- otherwise the row waits (`waiting_window`, no text stored anywhere) and is said with the reply to
  the parent's next message, marked `late` (or `sent` on its own day) by bot/waiting_reminders.py.

When the parent writes, the soonest reminder that will fall due after the window closes is
mentioned once (the latest one mentioned is kept in `wechat_contact.told_until`), with the link to
accept a subscription message where the account has a template for it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy import update

from bot.app import App
from bot.reminder_notifier import parent_locale
from bot.server.channel import numbered_all
from bot.server.wechat_api import WeChatApi, WeChatApiError
from bot.server.wechat_subscription import SCENE, Subscriptions
from bot.server.wechat_window import WindowStore
from bot.storage.models import WeChatContact
from bot.waiting_reminders import WaitingReminders
from core.database import transaction
from core.message import Reply
from reminders.label import render_label
from reminders.store import ReminderRow, upcoming
from reminders.window import Route, after_window, route, window_end

CHANNEL = "wechat"
TOLD_STATUSES = ("planned", "deferred")


class WeChatReminders:
    def __init__(
        self, application: App, window: WindowStore, api: WeChatApi | None, subscriptions: Subscriptions
    ) -> None:
        self.application = application
        self.window = window
        self.api = api
        self.subscriptions = subscriptions
        self.waiting = WaitingReminders(application)

    # --- the dispatcher's side ----------------------------------------------------------------

    def route_now(self, user_key: str) -> Route:
        """The planner's route for a reminder due now for this parent."""
        now = self.application.clock.now()
        contact = self.window.contact(user_key)
        end = None if contact.unsubscribed else window_end(_aware(contact.last_inbound_at, now))
        if self.api is None:
            end = None  # no customer-service messages without AppID and secret
        granted = self.api is not None and self.subscriptions.has_grant(user_key)
        return route(now, now, end, subscription=granted)

    async def reachable(self, user_id: str) -> bool:
        """Whether a reminder due now can go out now (else it waits: no need to say it yet)."""
        found = await anyio.to_thread.run_sync(self.route_now, f"{CHANNEL}:{user_id}")
        return found in (Route.SEND_NOW, Route.SUBSCRIPTION)

    async def push(self, user_id: str, replies: Sequence[Reply], _idempotency_key: str) -> str:
        """Send a due reminder's replies: "sent", "waiting" (for the parent's next message, nothing
        stored: the row waits), "blocked" (unfollowed), else a failure to retry."""
        key = f"{CHANNEL}:{user_id}"
        text = numbered_all(replies)
        found = await anyio.to_thread.run_sync(self.route_now, key)
        if self.api is None or found in (Route.NEXT_MESSAGE, Route.SEND_IN_WINDOW):
            return "waiting"
        if found is Route.SEND_NOW:
            try:
                await self.api.send_text(user_id, text)
            except WeChatApiError as error:
                return await self._refused(key, error)
            return "sent"
        if not await anyio.to_thread.run_sync(self.subscriptions.use_grant, key):
            return "waiting"
        t = self.application.translator(await anyio.to_thread.run_sync(parent_locale, self.application, key))
        template = self.subscriptions.template_id or ""
        try:
            await self.api.send_subscription(user_id, template, SCENE, t.gettext("同行提醒"), text)
        except WeChatApiError as error:
            await anyio.to_thread.run_sync(self.subscriptions.give_back, key)
            return await self._refused(key, error)
        return "sent"

    async def _refused(self, key: str, error: WeChatApiError) -> str:
        if error.unsubscribed:
            await anyio.to_thread.run_sync(self.window.unsubscribed, key)
            return "blocked"
        if error.outside_window:
            return "waiting"
        return f"wechat error {error.code}"

    # --- the parent's message -----------------------------------------------------------------

    def at_message(self, user_key: str) -> list[str]:
        """Said with the reply to the parent's message: what waited for it, then (once) what will
        fall due after the window closes."""
        texts = [numbered_all([reply]) for reply in self.waiting.take(user_key)]
        mention = self.mention(user_key)
        return [*texts, *([mention] if mention else [])]

    def mention(self, user_key: str) -> str | None:
        now = self.application.clock.now()
        contact = self.window.contact(user_key)
        end = window_end(_aware(contact.last_inbound_at, now))
        with self.application.storage.sessions() as session:
            told = session.query(WeChatContact.told_until).filter(WeChatContact.user_key == user_key).scalar()
            rows = [row for row in upcoming(session, user_key, limit=50) if row.status in TOLD_STATUSES]
            session.expunge_all()
        told = _aware(told, now)
        later = after_window([_aware(row.send_at, now) or now for row in rows], now, end)
        fresh = [when for when in later if told is None or when > told]
        if not fresh:
            return None
        soonest = next(row for row in rows if _aware(row.send_at, now) == fresh[0])
        text = self._mention_text(user_key, soonest)
        with transaction(self.application.storage.sessions) as session:
            session.execute(
                update(WeChatContact).where(WeChatContact.user_key == user_key).values(told_until=fresh[0])
            )
        return text

    def _mention_text(self, user_key: str, row: ReminderRow) -> str:
        t = self.application.translator(parent_locale(self.application, user_key))
        label = render_label(self.waiting.schedule, t, row.label_id, json.loads(row.params or "{}"))
        text = t.gettext(
            "还有一条提醒在{date}：{label}。那时离你上次发消息已超过48小时，微信不让我主动发给你；"
            "那天以后你给我发任意一条消息，我就补发给你。",
            date=t.format_date(row.due_date),
            label=label,
        )
        openid = user_key.partition(":")[2]
        if self.api is not None and self.subscriptions.offered:
            text += "\n" + t.gettext(
                "想到时准时收到，可以点这个链接订阅一次提醒：{url}",
                url=self.subscriptions.authorize_url(openid),
            )
        return text


def _aware(value: datetime | None, _now: datetime) -> datetime | None:
    """SQLite returns naive UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
