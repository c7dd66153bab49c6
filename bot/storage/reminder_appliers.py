"""The appliers of the reminder effects a conversation decides (dialogues/effect.py): writing a
child's reminders in the parent's channel, stopping a kind, and listing what is pending (/reminders)."""

from __future__ import annotations

import json
from functools import cache

from bot.storage.registry import ApplyContext
from core.message import Reply
from dialogues.effect import ListReminders, PlanReminders, StopReminders
from dialogues.reminder_list import Listed, listing
from reminders.schedule import Schedule, load_schedule
from reminders.store import PlannedReminder, cancel, plan, replace_planned, upcoming

LISTED_ROWS = 60  # pending rows read for /reminders (two or three a dose)


@cache
def _schedule() -> Schedule:
    return load_schedule()


def plan_reminders(effect: PlanReminders, context: ApplyContext) -> list[Reply]:
    """The rows of one child's reminders of one kind, in the channel the parent writes from; the
    child is the conversation's opaque id, the row holds no name and no birth date."""
    if context.forgotten:
        return []
    channel = context.user_key.split(":", 1)[0]
    rows = [
        PlannedReminder(
            user_key=context.user_key,
            channel=channel,
            kind=effect.kind,
            label_id=item.label_id,
            due=item.due,
            send_at=item.send_at,
            zone=effect.zone,
            child_ref=effect.child_ref,
            params=dict(item.params),
        )
        for item in effect.items
    ]
    if effect.replace:
        replace_planned(context.session, context.user_key, effect.kind, effect.child_ref, rows, context.now)
    else:
        plan(context.session, rows, context.now)
    return []


def stop_reminders(effect: StopReminders, context: ApplyContext) -> list[Reply]:
    cancel(
        context.session,
        context.user_key,
        context.now,
        child_ref=effect.child_ref,
        kind=effect.kind,
        reason="stopped by the parent",
    )
    return []


def list_reminders(effect: ListReminders, context: ApplyContext) -> list[Reply]:
    rows = [
        Listed(row.kind, row.label_id, json.loads(row.params or "{}"), row.due_date, row.child_ref)
        for row in upcoming(context.session, context.user_key, LISTED_ROWS)
    ]
    return [listing(context.translator, _schedule(), rows, effect.paused, effect.stopped)]
