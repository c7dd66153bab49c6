"""A child's vaccination reminders from the conversation state: the plan (reminders/plan.py, a pure
function of the birth date, the doses given and today) and the reminders written from it.

What is planned: for every dose not yet given whose date is still to come, a reminder some days
before it (`lead_days` in dialogues/data/vaccine_reminders.yaml) and one on the day, at `send_time` of
the family's day; a dose the parent asked to hear of later (晚点提醒), on the day it was moved to.
A dose that is due or overdue today is said in the conversation, not reminded again. The rows hold
the child's opaque id, the vaccine id and the dose number: no name, no birth date.

Nothing is planned without the `reminders` consent, for a child whose plans were stopped (a reported
loss), or for vaccines stopped for that child or for the family. Paused reminders are still planned:
they are kept and not said until resumed (dialogues/reminder_list.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.i18n import Translator
from dialogues.effect import PlanReminders, ReminderItem
from dialogues.reminder_words import reminder_words
from dialogues.state import Child
from dialogues.turn import Turn
from reminders.plan import Plan, PlanError, plan_immunizations
from reminders.render import CONFIRM, age_text
from reminders.schedule import Schedule

KIND = "vaccine"


def given(child: Child) -> dict[str, date | None]:
    return {key: date.fromisoformat(day) if day else None for key, day in child.doses.items()}


def child_plan(turn: Turn, child: Child) -> Plan | None:
    """The child's plan as of today; None without a birth date or when the doses contradict each other."""
    if child.birth_date is None:
        return None
    try:
        return plan_immunizations(turn.services.schedule, child.birth_date, turn.today, given(child))
    except PlanError:
        return None


def plans_for(turn: Turn, child: Child) -> bool:
    """Whether vaccination reminders are written for this child."""
    state = turn.state
    return (
        bool(state.consent.get("reminders"))
        and child.active
        and child.vaccine_reminders
        and KIND not in child.stopped
        and KIND not in state.reminders_stopped
    )


def _send_at(turn: Turn, day: date) -> datetime:
    words = reminder_words()
    return datetime.combine(day, words.send_time, tzinfo=turn.services.clock.zone)


def items(turn: Turn, child: Child, plan: Plan) -> tuple[ReminderItem, ...]:
    words = reminder_words()
    today = turn.today
    planned: list[ReminderItem] = []
    open_doses = {f"{dose.vaccine}:{dose.dose}": dose for dose in plan.doses if dose.status != "done"}
    for dose in open_doses.values():
        if dose.due <= today:
            continue
        params = {"vaccine": dose.vaccine, "dose": dose.dose}
        for lead in words.lead_days:
            send_on = dose.due - timedelta(days=lead)
            if send_on > today:
                planned.append(
                    ReminderItem("vaccine_dose", {**params, "lead": lead}, dose.due, _send_at(turn, send_on))
                )
        planned.append(
            ReminderItem("vaccine_dose", {**params, "lead": 0}, dose.due, _send_at(turn, dose.due))
        )
    for key, day in sorted(child.snoozed.items()):
        moved = date.fromisoformat(day)
        later = open_doses.get(key)
        if later is None or moved < today:
            continue
        params = {"vaccine": later.vaccine, "dose": later.dose, "later": day}
        planned.append(ReminderItem("vaccine_dose", params, max(later.due, moved), _send_at(turn, moved)))
    return tuple(planned)


def replan(turn: Turn, child: Child) -> Plan | None:
    """Write the child's vaccination reminders afresh (what no longer fits is cancelled by the applier);
    returns the plan."""
    plan = child_plan(turn, child)
    if plan is None or not plans_for(turn, child):
        return plan
    zone = str(turn.services.clock.zone)
    turn.effects.append(PlanReminders(child.id, KIND, items(turn, child, plan), zone))
    return plan


def dose_reason(t: Translator, schedule: Schedule, vaccine: object, dose: object) -> str:
    """Why a dose is due then: "6月龄起可接种" (the schedule's age), with 请向接种单位确认 when the value
    is unverified; "" for a dose the schedule does not have."""
    rule = next((rule for rule in schedule.rules if rule.vaccine == vaccine and rule.dose == dose), None)
    if rule is None:
        return ""
    age = rule.age.at
    text = t.gettext("{age}起可接种", age=age_text(t, age)) if age.months else t.gettext("出生时接种")
    return text if rule.verified else text + t.gettext("，{confirm}", confirm=t.gettext(CONFIRM))


def child_by_id(turn: Turn, child_id: str) -> Child | None:
    return next((child for child in turn.state.children if child.id == child_id), None)
