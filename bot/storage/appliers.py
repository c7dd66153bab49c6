"""The applier of each effect type (dialogues/effect.py), and the registry that holds them all."""

from __future__ import annotations

import json
from functools import cache

from sqlalchemy import delete, select, update

from bot.storage.key_child_care import end_for_parent
from bot.storage.models import (
    AnswerFeedback,
    ConsentRecord,
    HandoffTicket,
    StoredChecklist,
    UnansweredQuestion,
)
from bot.storage.registry import ApplierRegistry, ApplyContext
from bot.storage.reminder_appliers import list_reminders, plan_reminders, stop_reminders
from bot.storage.turn_log import family_of, forget_family
from bot.storage.user_data import count_user_data, declared_models, forget_user
from core.database import Base
from core.message import Reply
from dialogues.effect import (
    CancelChildPlans,
    DeleteChildData,
    DeleteUserData,
    DescribeStoredData,
    ListReminders,
    NoteCrisisFollowUp,
    OpenHandoff,
    PlanReminders,
    RecordConsent,
    RecordFeedback,
    RecordGap,
    StopReminders,
    StoreChecklist,
)
from reminders.checklist_dates import plan_key_dates
from reminders.store import cancel as cancel_reminders
from reminders.store import replace_planned
from reminders.visit import CareSchedule, load_visits

# The reminder kind each flow plans from its dates: finishing it again replaces them (even with none).
FLOW_KINDS = {"residence_permit": "renewal", "school_admission": "school"}
FORGOTTEN_OUTCOME = "forgotten"  # a ticket whose family deleted their data (bot/server/console.py names it)


@cache
def care_schedule() -> CareSchedule:
    """The key children's visit schedule (reminders/data/key_child_visits.yaml), read once."""
    return load_visits()


def open_handoff(effect: OpenHandoff, context: ApplyContext) -> list[Reply]:
    context.session.add(
        HandoffTicket(
            user_key=context.user_key,
            reason=effect.reason,
            urgency=effect.urgency,
            status="open",
            province=effect.province,
            city=effect.city,
            district=effect.district,
            summary=context.cipher.encrypt(effect.summary),
            case_summary=None if effect.case is None else context.cipher.encrypt(effect.case.to_json()),
            created_at=context.now,
        )
    )
    return []


def note_crisis_follow_up(effect: NoteCrisisFollowUp, context: ApplyContext) -> list[Reply]:
    """The parent's answer after a crisis reply, on their newest urgent ticket that is not closed:
    the safety answer (an unknown never overwrites a known one), the place they named (their
    district replaced with it when they name another city), and their words appended to the
    encrypted follow-up note. No open urgent ticket: nothing to add to."""
    ticket = context.session.scalars(
        select(HandoffTicket)
        .where(
            HandoffTicket.user_key == context.user_key,
            HandoffTicket.urgency == "urgent",
            HandoffTicket.status != "closed",
        )
        .order_by(HandoffTicket.id.desc())
        .limit(1)
    ).first()
    if ticket is None:
        return []
    if effect.safety != "unknown" or ticket.safety is None:
        ticket.safety = effect.safety
    if effect.city is not None and effect.city != ticket.city:
        ticket.district = None
    for column in ("province", "city", "district"):
        value = getattr(effect, column)
        if value is not None:
            setattr(ticket, column, value)
    earlier = context.cipher.decrypt(ticket.follow_up) if ticket.follow_up else ""
    line = f"{context.now.isoformat(timespec='minutes')} {effect.note}"
    ticket.follow_up = context.cipher.encrypt(f"{earlier}\n{line}" if earlier else line)
    return []


def record_consent(effect: RecordConsent, context: ApplyContext) -> list[Reply]:
    context.session.add(
        ConsentRecord(
            user_key=context.user_key, purpose=effect.purpose, granted=effect.granted, created_at=context.now
        )
    )
    if not effect.granted and effect.purpose in ("reminders", "child_profile"):
        reason = f"consent withdrawn: {effect.purpose}"  # what is pending stops at once
        cancel_reminders(context.session, context.user_key, context.now, reason=reason)
    if not effect.granted and effect.purpose == "child_profile":  # a later "no" ends the key care
        end_for_parent(
            context.session, care_schedule(), context.user_key, "withdrawn", context.now, context.zone
        )
    return []


def record_gap(effect: RecordGap, context: ApplyContext) -> list[Reply]:
    # Not the user's data: the question is kept for civil-affairs staff without the user key (its
    # words are scrubbed before any report shows them: bot/reports/scrub.py).
    context.session.add(
        UnansweredQuestion(
            text=effect.text,
            channel=context.user_key.split(":", 1)[0],
            province=effect.province,
            city=effect.city,
            district=effect.district,
            created_at=context.now,
            family=context.family or family_of(context.cipher, context.user_key),
        )
    )
    return []


def record_feedback(effect: RecordFeedback, context: ApplyContext) -> list[Reply]:
    """A rating of an answer: the service, the place, the channel and the family's keyed hash."""
    context.session.add(
        AnswerFeedback(
            at=context.now,
            day=context.now.astimezone(context.zone).date(),
            channel=context.user_key.partition(":")[0][:16],
            family=context.family or family_of(context.cipher, context.user_key),
            service=effect.service_id,
            rating=effect.rating,
            province=effect.province,
            city=effect.city,
            district=effect.district,
        )
    )
    return []


def store_checklist(effect: StoreChecklist, context: ApplyContext) -> list[Reply]:
    context.session.execute(
        update(StoredChecklist)
        .where(StoredChecklist.user_key == context.user_key, StoredChecklist.flow_id == effect.flow_id)
        .values(active=False)
    )
    body = json.dumps({"title": effect.title, "lines": list(effect.lines)}, ensure_ascii=False)
    context.session.add(
        StoredChecklist(
            user_key=context.user_key,
            flow_id=effect.flow_id,
            child_ref=effect.child_id,
            body=context.cipher.encrypt(body),
            dates=context.cipher.encrypt(json.dumps(list(effect.dates), ensure_ascii=False)),
            active=True,
            created_at=context.now,
        )
    )
    plan_checklist_reminders(effect, context)
    return []


def plan_checklist_reminders(effect: StoreChecklist, context: ApplyContext) -> None:
    """The checklist's key dates that ask for reminders (the permit's endorsement, a city's school
    registration window) become reminder rows, when the parent agreed to reminders; those the flow
    planned before and no longer gives are cancelled. Sent in the families' time zone."""
    if not effect.remind:
        return
    today = context.now.astimezone(context.zone).date()
    planned = plan_key_dates(
        effect.dates, user_key=context.user_key, zone=context.zone.key, today=today, child_ref=effect.child_id
    )
    kinds = {str(key_date.get("reminder")) for key_date in effect.dates if key_date.get("reminder")}
    for kind in sorted(kinds | {FLOW_KINDS.get(effect.flow_id, "")} - {""}):
        rows = [reminder for reminder in planned if reminder.kind == kind]
        replace_planned(
            context.session,
            context.user_key,
            kind,
            effect.child_id,
            rows,
            context.now,
            reason="planned again",
        )


def cancel_child_plans(effect: CancelChildPlans, context: ApplyContext) -> list[Reply]:
    context.session.execute(
        update(StoredChecklist)
        .where(StoredChecklist.user_key == context.user_key, StoredChecklist.child_ref == effect.child_id)
        .values(active=False)
    )
    session, child = context.session, effect.child_id
    cancel_reminders(session, context.user_key, context.now, child_ref=child, reason="plans stopped")
    return []


def delete_child_data(effect: DeleteChildData, context: ApplyContext) -> list[Reply]:
    """The children's checklists (their dates and paperwork) go; the conversation and the consent
    records, which prove what the parent chose, stay."""
    context.session.execute(delete(StoredChecklist).where(StoredChecklist.user_key == context.user_key))
    return []


def delete_user_data(effect: DeleteUserData, context: ApplyContext) -> list[Reply]:
    """Every declared table, as it declares: deleted, or anonymised for audit rows. First the key
    care ends (the worker's reminders withdrawn, the name wiped) and the tickets are emptied and
    closed, so that the lines that stay under a random marker say only that the family left."""
    session, now = context.session, context.now
    end_for_parent(session, care_schedule(), context.user_key, "forgotten", now, context.zone)
    retire_tickets(context)
    forget_user(session, declared_models(Base), context.user_key)
    forget_family(context.session, context.family or family_of(context.cipher, context.user_key))
    context.forgotten = True
    return []


def retire_tickets(context: ApplyContext) -> None:
    """The family's tickets lose what they said (summary, case summary, crisis answers); one not
    closed is closed as "forgotten", so the worker who holds it sees that the parent deleted their
    data (the row then stays under a random marker, like the audit's)."""
    wiped = {"summary": context.cipher.encrypt(""), "case_summary": None, "follow_up": None, "safety": None}
    context.session.execute(
        update(HandoffTicket).where(HandoffTicket.user_key == context.user_key).values(**wiped)
    )
    context.session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.user_key == context.user_key, HandoffTicket.status != "closed")
        .values(status="closed", outcome=FORGOTTEN_OUTCOME, closed_at=context.now)
    )


def describe_stored_data(effect: DescribeStoredData, context: ApplyContext) -> list[Reply]:
    """One reply: for each declared table where the user has rows, what it is and how many."""
    t = context.translator
    stored = count_user_data(context.session, declared_models(Base), context.user_key)
    lines = [f"• {t.gettext(item.description, n=item.count)}" for item in stored if item.count]
    if not lines:
        return [Reply(t.gettext("我这里没有存和你有关的记录。"))]
    return [Reply("\n".join([t.gettext("我这里存着这些和你有关的记录："), *lines]))]


def build_appliers() -> ApplierRegistry:
    """The registry of every effect's applier; fails when an effect type has none."""
    registry = ApplierRegistry()
    registry.register(OpenHandoff, open_handoff)
    registry.register(NoteCrisisFollowUp, note_crisis_follow_up)
    registry.register(RecordConsent, record_consent)
    registry.register(RecordGap, record_gap)
    registry.register(RecordFeedback, record_feedback)
    registry.register(StoreChecklist, store_checklist)
    registry.register(CancelChildPlans, cancel_child_plans)
    registry.register(DeleteChildData, delete_child_data)
    registry.register(DeleteUserData, delete_user_data)
    registry.register(DescribeStoredData, describe_stored_data)
    registry.register(PlanReminders, plan_reminders)
    registry.register(StopReminders, stop_reminders)
    registry.register(ListReminders, list_reminders)
    registry.check_complete()
    return registry
