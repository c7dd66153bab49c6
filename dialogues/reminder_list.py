"""/reminders and its words ("有哪些提醒", "疫苗提醒先停一下"): what is coming and why, and pausing,
resuming or stopping reminders by kind (vaccine, renewal, school, visit).

The engine does no I/O: /reminders asks bot/ for the pending rows (the `ListReminders` effect, as
/mydata does with `DescribeStoredData`), and bot/ renders them with `listing` below.

Pausing (the decision): a paused kind's rows are kept; when one falls due the conversation says
nothing (dialogues/events.py) and the dispatcher holds it and tries again later (its `not_now_hold`),
so nothing is lost and nothing is said while paused. Resuming says them again: vaccination reminders
are re-planned from the child's plan at once (what fell due meanwhile is said as due in the plan);
other kinds go out at the dispatcher's next try. Stopping cancels what is pending of that kind and
plans no more; resuming a stopped kind plans vaccination reminders again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.i18n import N_, Translator
from core.message import Button, Reply
from dialogues.effect import ListReminders, StopReminders
from dialogues.payload import ReminderKind, RunCommand, render
from dialogues.reminder_words import KINDS, reminder_words
from dialogues.steps import stale
from dialogues.turn import Turn
from dialogues.vaccine_plan import KIND, dose_reason, replan
from reminders.label import render_label
from reminders.schedule import Schedule

KIND_NAMES = {
    "vaccine": N_("疫苗"),
    "renewal": N_("居住证签注"),
    "school": N_("入学报名"),
    "visit": N_("走访"),
}
_REMIND = ("提醒", "remind", "通知", "notif", "提我")
MAX_LISTED = 12


@dataclass(frozen=True)
class Listed:
    """A pending reminder as bot/ reads it: nothing personal."""

    kind: str
    label_id: str
    params: dict[str, Any]
    due: date
    child_ref: str | None


def show(turn: Turn) -> None:
    state = turn.state
    turn.effects.append(ListReminders(tuple(state.reminders_paused), tuple(state.reminders_stopped)))


def listing(
    t: Translator, schedule: Schedule, rows: Sequence[Listed], paused: Sequence[str], stopped: Sequence[str]
) -> Reply:
    """What is coming, one line a reminder (the reminders of one dose together), soonest first, each with
    why; then the kinds paused or stopped; buttons to pause, resume or stop each kind there is."""
    lines: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for item in sorted(rows, key=lambda row: row.due):
        about = {key: value for key, value in item.params.items() if key not in ("lead", "later")}
        key = (item.label_id, repr(sorted(about.items())), item.child_ref or "")
        if key in seen:
            continue
        seen.add(key)
        try:
            label = render_label(schedule, t, item.label_id, item.params)
        except ValueError:
            continue
        line = t.gettext("• {label}：{date}", label=label, date=t.format_date(item.due))
        reason = dose_reason(t, schedule, item.params.get("vaccine"), item.params.get("dose"))
        reason = reason if item.label_id == "vaccine_dose" else ""
        if reason:
            line += t.gettext("（{why}）", why=reason)
        if item.kind in paused:
            line += t.gettext("（已暂停）")
        lines.append(line)
        if len(lines) >= MAX_LISTED:
            break
    kinds = [
        kind for kind in KINDS if any(row.kind == kind for row in rows) or kind in paused or kind in stopped
    ]
    head = t.gettext("接下来的提醒：") if lines else t.gettext("现在没有排好的提醒。")
    text = "\n".join([head, *lines])
    for kind in kinds:
        if kind in stopped:
            text += "\n" + t.gettext("{kind}提醒：已停止", kind=t.gettext(KIND_NAMES[kind]))
        elif kind in paused:
            text += "\n" + t.gettext("{kind}提醒：已暂停（排好的都留着）", kind=t.gettext(KIND_NAMES[kind]))
    buttons: list[Button] = []
    for kind in kinds:
        name = t.gettext(KIND_NAMES[kind])
        if kind in stopped or kind in paused:
            buttons.append(
                Button(t.gettext("恢复{kind}提醒", kind=name), render(ReminderKind("resume", kind)))
            )
        else:
            buttons.append(
                Button(t.gettext("暂停{kind}提醒", kind=name), render(ReminderKind("pause", kind)))
            )
            buttons.append(Button(t.gettext("停止{kind}提醒", kind=name), render(ReminderKind("stop", kind))))
    if "vaccine" not in kinds:
        buttons.append(Button(t.gettext("设疫苗提醒"), render(RunCommand("vaccines"))))
    return Reply(text, tuple(buttons))


def change(turn: Turn, action: str, kinds: Sequence[str]) -> None:
    """Pause, resume or stop these kinds of reminder, and say so."""
    state = turn.state
    t = turn.t
    for kind in kinds:
        if action == "pause":
            state.reminders_paused = sorted({*state.reminders_paused, kind} - set(state.reminders_stopped))
        elif action == "stop":
            state.reminders_paused = [each for each in state.reminders_paused if each != kind]
            state.reminders_stopped = sorted({*state.reminders_stopped, kind})
            turn.effects.append(StopReminders(kind))
        else:
            state.reminders_paused = [each for each in state.reminders_paused if each != kind]
            state.reminders_stopped = [each for each in state.reminders_stopped if each != kind]
            if kind == KIND:
                for child in state.children:
                    child.stopped = [each for each in child.stopped if each != KIND]
                    if child.vaccine_reminders and child.active:
                        replan(turn, child)
    names = t.gettext("、").join(t.gettext(KIND_NAMES[kind]) for kind in kinds)
    said = {
        "pause": t.gettext(
            "好的，{kinds}提醒先暂停了。排好的都留着，不会发；想恢复时发 /reminders。", kinds=names
        ),
        "stop": t.gettext(
            "好的，{kinds}提醒停止了，排好的都取消了。想重新开启，发 /reminders。", kinds=names
        ),
        "resume": t.gettext("好的，{kinds}提醒恢复了。", kinds=names),
    }
    turn.say(said[action], (Button(t.gettext("我的提醒"), render(RunCommand("reminders"))),))


def on_kind_button(turn: Turn, payload: ReminderKind) -> None:
    if payload.kind not in KINDS:
        stale(turn)
        return
    change(turn, payload.action, (payload.kind,))


def manage(turn: Turn, text: str, normalized: str) -> bool:
    """A message about reminders ("有哪些提醒", "疫苗提醒先停一下", "恢复提醒"): done; False otherwise."""
    folded = normalized.lower()
    if not any(word in folded or word in text.lower() for word in _REMIND):
        return False
    words = reminder_words()
    action = words.manage_action(text, normalized)
    if action is None:
        return False
    if action == "list":
        show(turn)
        return True
    kinds = words.kinds_named(text, normalized) or KINDS
    change(turn, action, kinds)
    return True
