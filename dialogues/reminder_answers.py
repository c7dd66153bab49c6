"""A vaccination reminder that fell due, and the parent's answer to it: the buttons 已接种 / 晚点提醒 /
停止 (typed payloads, dialogues/payload.py) or the same in words (dialogues/data/vaccine_reminders.yaml,
read while the reminder is the last thing said: a pending "reminder").

已接种 records the dose as given today (the later doses are re-planned from that day by the minimum
intervals: a dose given earlier than the day it is recorded only moves them later, never too early);
晚点提醒 moves the reminder `later_days` on; 停止 stops vaccination reminders for that child (what is
pending is cancelled; /reminders turns them on again). A button for a child no longer followed, a dose
the schedule does not have, or a dose already recorded (晚点提醒, 停止) is stale: a kind re-ask."""

from __future__ import annotations

from datetime import timedelta

from core.event import ReminderDue
from core.message import Button
from dialogues.effect import StopReminders
from dialogues.payload import DoseReminder, render
from dialogues.pending import PENDING
from dialogues.reminder_words import reminder_words
from dialogues.state import Child, Pending
from dialogues.steps import stale
from dialogues.turn import Turn
from dialogues.vaccine_plan import KIND, child_by_id, dose_reason, replan
from nlu.result import Parse
from reminders.render import dose_name


def say_reminder(turn: Turn, event: ReminderDue) -> None:
    """The reminder's words; a vaccination reminder with its three buttons."""
    t = turn.t
    params = event.params
    vaccine, dose = params.get("vaccine"), params.get("dose")
    if event.label_id != "vaccine_dose" or event.child_id is None or not isinstance(dose, int):
        turn.say(t.gettext("提醒：{label}，日期 {date}。", label=event.label, date=t.format_date(event.due)))
        return
    vaccine = str(vaccine)
    days = (event.due - turn.today).days
    if days > 0:
        text = t.gettext(
            "提醒：{date}起孩子可以接种{label}了（还有{days}天）。", label=event.label,
            date=t.format_date(event.due), days=days,
        )  # fmt: skip
    else:
        text = t.gettext("提醒：孩子现在可以接种{label}了。", label=event.label)
    reason = dose_reason(t, turn.services.schedule, vaccine, dose)
    if reason:
        text += t.gettext("（{why}）", why=reason)
    text += "\n" + t.gettext("记得带上预防接种证。打完了点“已接种”，我就记下来，并排好下一针。")
    buttons = tuple(
        Button(label, render(DoseReminder(action, event.child_id, vaccine, dose)))  # type: ignore[arg-type]
        for action, label in (
            ("done", t.gettext("已接种")),
            ("later", t.gettext("晚点提醒")),
            ("stop", t.gettext("停止")),
        )
    )
    turn.say(text, buttons)
    if turn.state.pending is None:
        data = {"child": event.child_id, "vaccine": vaccine, "dose": dose}
        turn.state.pending = Pending(kind="reminder", data=data)


def answer(turn: Turn, action: str, child_id: str, vaccine: str, dose: int) -> None:
    t = turn.t
    child = child_by_id(turn, child_id)
    schedule = turn.services.schedule
    if (
        child is None
        or not child.active
        or not child.vaccine_reminders
        or vaccine not in schedule.names
        or not 1 <= dose <= schedule.max_dose(vaccine)
    ):
        stale(turn)
        return
    key = f"{vaccine}:{dose}"
    name = dose_name(schedule, t, vaccine, dose)
    if action == "done":
        _done(turn, child, key, name)
        return
    if key in child.doses:
        stale(turn)
        return
    if action == "later":
        day = turn.today + timedelta(days=reminder_words().later_days)
        child.snoozed = {**child.snoozed, key: day.isoformat()}
        replan(turn, child)
        turn.say(t.gettext("好的，{date}再提醒你{name}。", date=t.format_date(day), name=name))
        return
    child.stopped = sorted({*child.stopped, KIND})
    turn.effects.append(StopReminders(KIND, child.id))
    turn.say(t.gettext("好的，这个孩子的疫苗提醒停了。想重新开启，发 /reminders。"))


def _done(turn: Turn, child: Child, key: str, name: str) -> None:
    t = turn.t
    if key in child.doses:
        turn.say(t.gettext("{name}已经记下了。", name=name))
        return
    child.doses = {**child.doses, key: turn.today.isoformat()}
    child.snoozed = {dose: day for dose, day in child.snoozed.items() if dose != key}
    plan = replan(turn, child)
    text = t.gettext("好的，记下了：{name}已接种。", name=name)
    coming = [dose for dose in (plan.doses if plan else ()) if dose.status != "done"]
    if coming:
        nearest = coming[0]
        text += "\n" + t.gettext(
            "下一针：{name}，{date}起可以接种，到时候提醒你。",
            name=dose_name(turn.services.schedule, t, nearest.vaccine, nearest.dose),
            date=t.format_date(max(nearest.due, turn.today)),
        )
    turn.say(text)


def on_dose_button(turn: Turn, payload: DoseReminder) -> None:
    if turn.state.pending is not None and turn.state.pending.kind == "reminder":
        turn.state.pending = None
    answer(turn, payload.action, payload.child, payload.vaccine, payload.dose)


@PENDING.register("reminder")
def _in_words(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    """打了 / 晚点 / 别提醒了 after a reminder; anything else goes on as if nothing had been asked."""
    turn.state.pending = None
    said = reminder_words().reminder_answer(text, turn.services.tokenizer.normalize(text))
    if said is None:
        return False
    data = pending.data
    answer(turn, said, str(data.get("child")), str(data.get("vaccine")), int(data.get("dose", 0)))
    return True
