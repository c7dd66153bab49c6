"""Reminders that waited for the parent (WeChat's window was closed; the web chat cannot be written
to), delivered with the answer to the parent's next message. The rows are claimed first (one
UPDATE: of two processes answering one parent only one takes them), said through the conversation
core as `ReminderDue` events (so nothing is said behind a worker's back), and marked `late` when
their day has passed, else `sent`, once the replies are handed to the channel. What the core did not
say goes back to the dispatcher. The channels call `take` on every message of a parent."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from bot.app import App
from bot.reminder_notifier import parent_locale
from core.database import transaction
from core.event import ReminderDue
from core.i18n import Translator
from core.message import Reply
from reminders.label import render_label
from reminders.schedule import Schedule, load_schedule
from reminders.store import ReminderRow, claim_waiting, mark_delivered, release_claimed

LEASE = timedelta(seconds=60)  # the dispatcher's lease: a process that dies leaves the rows to it
HOLD = timedelta(hours=6)  # not said now (a worker owns the conversation): the dispatcher tries later


class WaitingReminders:
    def __init__(self, application: App, schedule: Schedule | None = None) -> None:
        self.application = application
        self.schedule = schedule or load_schedule()

    def take(self, user_key: str) -> list[Reply]:
        """The replies of what waited for this parent, claimed and marked delivered; [] when none."""
        sessions = self.application.storage.sessions
        now = self.application.clock.now()
        claimer = f"next-message:{uuid.uuid4().hex[:16]}"
        with transaction(sessions) as session:
            rows = claim_waiting(session, user_key, now, claimer, LEASE)
            session.expunge_all()
        if not rows:
            return []
        replies: list[Reply] = []
        said: list[int] = []
        unsaid: list[int] = []
        t = self.application.translator(parent_locale(self.application, user_key))
        for row in rows:
            outcome = self.application.conversations.handle_outcome(self.event(row, t))
            if outcome.replies:
                replies.extend(outcome.replies)
                said.append(row.id)
            else:
                unsaid.append(row.id)
        with transaction(sessions) as session:
            mark_delivered(session, said, claimer, now)
            release_claimed(session, unsaid, claimer, now + HOLD, now, "not said at the parent's message")
        return replies

    def event(self, row: ReminderRow, t: Translator) -> ReminderDue:
        channel, _, user_id = row.user_key.partition(":")
        label = render_label(self.schedule, t, row.label_id, json.loads(row.params or "{}"))
        return ReminderDue(
            user_id=user_id,
            channel=channel,
            reminder_id=row.idempotency_key,
            kind=row.kind,
            label=label,
            due=row.due_date,
            child_id=row.child_ref,
        )
