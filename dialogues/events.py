"""Events other than a parent's message: a worker taking over, writing, handing back; a reminder
falling due; a consent withdrawn elsewhere. One handler per event type, registered.

While a worker owns the conversation (`State.worker`, the one source of truth) the assistant says
nothing of its own; the worker's messages reach the parent, signed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.event import ConsentWithdrawn, ReminderDue, WorkerHandBack, WorkerMessage, WorkerTakeOver
from dialogues.effect import DeleteChildData, RecordConsent
from dialogues.registry import Registry
from dialogues.reminder_answers import say_reminder
from dialogues.state import WorkerOwner
from dialogues.steps import active, ask_step
from dialogues.turn import Turn

EventHandler = Callable[[Turn, Any], None]
EVENTS: Registry[type, EventHandler] = Registry("event")


@EVENTS.register(WorkerTakeOver)
def _take_over(turn: Turn, event: WorkerTakeOver) -> None:
    state = turn.state
    if state.worker is not None and state.worker.worker_id == event.worker_id:
        return  # the same worker again: nothing changes, nothing is said twice
    state.worker = WorkerOwner(worker_id=event.worker_id, display_name=event.display_name, since=turn.today)
    state.pending = None
    turn.say(
        turn.t.gettext(
            "社工{name}来了，接下来由社工回复你。有急事请直接打 110 或 120。", name=event.display_name
        )
    )


@EVENTS.register(WorkerMessage)
def _worker_message(turn: Turn, event: WorkerMessage) -> None:
    """Only the worker who owns the conversation writes to the parent; anything else is not sent
    (the outcome has no replies) and the console says so."""
    owner = turn.state.worker
    text = event.text.strip()
    if owner is None or owner.worker_id != event.worker_id or not text:
        return
    turn.say(turn.t.gettext("{text}\n—— 社工 {name}", text=text, name=event.display_name))


@EVENTS.register(WorkerHandBack)
def _hand_back(turn: Turn, event: WorkerHandBack) -> None:
    state = turn.state
    if state.worker is None or state.worker.worker_id != event.worker_id:
        return
    state.worker = None
    state.handoff_open = False
    turn.say(turn.t.gettext("社工把对话交回给我了。有需要随时发 /human 再找社工。"))
    current = active(turn)
    if current is not None:
        turn.say(turn.t.gettext("我们接着刚才的步骤。"))
        ask_step(turn, *current)


@EVENTS.register(ReminderDue)
def _reminder(turn: Turn, event: ReminderDue) -> None:
    """A reminder is said only when nothing stands against it; otherwise the outcome is empty and the
    dispatcher keeps or drops it."""
    state = turn.state
    if state.worker is not None or state.consent.get("reminders") is False:
        return
    if event.kind in state.reminders_paused or event.kind in state.reminders_stopped:
        return  # paused: kept and said once resumed; stopped: cancelled (dialogues/reminder_list.py)
    if event.child_id is not None:
        child = next((child for child in state.children if child.id == event.child_id), None)
        if child is None or not child.active or event.kind in child.stopped:
            return
    say_reminder(turn, event)


@EVENTS.register(ConsentWithdrawn)
def _consent_withdrawn(turn: Turn, event: ConsentWithdrawn) -> None:
    state = turn.state
    if state.consent.get(event.purpose) is False:
        return
    state.consent[event.purpose] = False
    turn.effects.append(RecordConsent(event.purpose, False))
    if event.purpose == "reminders":
        for child in state.children:  # what was kept only for the reminders goes with them
            child.vaccine_reminders, child.doses, child.snoozed = False, {}, {}
    if event.purpose == "child_profile":
        state.children = []
        state.checklists = {}
        flow = turn.services.flows.flows.get(state.flow.flow_id) if state.flow else None
        if flow is not None and flow.consent == "child_profile":
            state.flow = None
        if state.pending is not None and state.pending.kind == "consent":
            state.pending = None
        turn.effects.append(DeleteChildData())
    if state.worker is not None:
        return
    t = turn.t
    if event.purpose == "child_profile":
        turn.say(t.gettext("好的，你撤回了保存孩子信息的同意。之前存的孩子信息和清单已经删除。"))
    else:
        turn.say(
            t.gettext(
                "好的，你撤回了这项同意，以后不会再这样做：{purpose}。", purpose=_purpose(turn, event.purpose)
            )
        )


def _purpose(turn: Turn, purpose: str) -> str:
    t = turn.t
    return {"reminders": t.gettext("提醒"), "handoff": t.gettext("转给社工")}.get(purpose, purpose)
