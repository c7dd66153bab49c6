"""Walking a guided flow with the parent: start (after consent), ask a step, accept an answer,
go back, change an earlier answer, cancel, finish with the checklist; and saying again what the
assistant is waiting for."""

from __future__ import annotations

from datetime import date

from core.message import Button
from dialogues import text as texts
from dialogues.checklist_text import checklist_pieces, render_checklist
from dialogues.effect import StoreChecklist
from dialogues.flow import Flow, Slot, Step, StepType
from dialogues.heard import store_on_child
from dialogues.menu import anything_else, human_button, menu
from dialogues.payload import ChangeAnswer, Nav, PendingReply, StepAnswer, render
from dialogues.privacy import ask_forget
from dialogues.runner import build_checklist, next_step, progress
from dialogues.slot import Reading
from dialogues.state import ActiveFlow, Checklist, Child, Pending, Place
from dialogues.turn import Turn


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def active(turn: Turn) -> tuple[Flow, Step] | None:
    """The flow under way and its current step; a flow that no longer exists is dropped."""
    state = turn.state
    if state.flow is None:
        return None
    flow = turn.services.flows.flows.get(state.flow.flow_id)
    step = next((step for step in flow.steps if step.id == state.flow.step_id), None) if flow else None
    if flow is None or step is None:
        state.flow = None
        return None
    return flow, step


def reprompt(turn: Turn) -> None:
    """Say again what the assistant is waiting for (the flow step, the /forget question, or the menu)."""
    current = active(turn)
    if current is not None:
        ask_step(turn, *current)
    elif turn.state.pending is not None and turn.state.pending.kind == "forget":
        ask_forget(turn)
    else:
        anything_else(turn)


def stale(turn: Turn) -> None:
    """A button of an old step, from before a restart, or forged: a kind re-ask, nothing changes."""
    turn.say(turn.t.gettext("这个按钮已经过期了。我们接着现在的来。"))
    reprompt(turn)


def start_flow(turn: Turn, flow: Flow) -> None:
    state = turn.state
    t = turn.t
    if state.flow is not None and state.flow.flow_id != flow.id:
        current = turn.services.flows.flows.get(state.flow.flow_id)
        state.flow = None
        if current is not None:
            turn.say(
                t.gettext(
                    "先停下“{current}”，开始“{new}”。",
                    current=t.gettext(current.title),
                    new=t.gettext(flow.title),
                )
            )
    if flow.consent and not state.consent.get(flow.consent):
        state.pending = Pending(kind="consent", data={"flow": flow.id})
        turn.say(
            texts.consent_request(t, turn.services.retention_days),
            (
                Button(t.gettext("同意"), render(PendingReply("consent", "yes"))),
                Button(t.gettext("不同意"), render(PendingReply("consent", "no"))),
            ),
        )
        return
    begin(turn, flow)


def begin(turn: Turn, flow: Flow) -> None:
    state = turn.state
    child = state.active_child()
    state.flow = ActiveFlow(flow_id=flow.id, child_id=child.id if child else None)
    turn.say(turn.t.gettext(flow.intro))
    advance(turn, flow)


def advance(turn: Turn, flow: Flow) -> None:
    state = turn.state
    assert state.flow is not None
    store_on_child(turn)
    step = next_step(flow, state.flow, state, turn.today)
    if step is None:
        finish(turn, flow)
        return
    state.flow.step_id = step.id
    ask_step(turn, flow, step)


def ask_step(turn: Turn, flow: Flow, step: Step) -> None:
    t = turn.t
    state = turn.state
    assert state.flow is not None
    number, total = progress(flow, state.flow, step, state, turn.today)
    lines = [t.gettext("第{number}步，共{total}步：", number=number, total=total) + t.gettext(step.ask)]
    if step.help and step.help not in state.explained:
        lines.append(t.gettext("（{help}）", help=t.gettext(step.help)))
        state.explained = [*state.explained, step.help]
    buttons: list[Button] = []
    if step.type == StepType.choice:
        buttons += [
            Button(t.gettext(choice.label), render(StepAnswer(flow.id, step.id, choice.value)))
            for choice in step.choices
        ]
    elif step.type == StepType.yes_no:
        buttons += [
            Button(t.gettext("是"), render(StepAnswer(flow.id, step.id, "yes"))),
            Button(t.gettext("否"), render(StepAnswer(flow.id, step.id, "no"))),
        ]
    if state.flow.history:
        buttons.append(Button(t.gettext("上一步"), render(Nav("back"))))
        buttons.append(Button(t.gettext("修改答案"), render(Nav("change"))))
    buttons.append(Button(t.gettext("取消"), render(Nav("cancel"))))
    turn.say("\n".join(lines), tuple(buttons))


def accept(turn: Turn, flow: Flow, step: Step, reading: Reading) -> None:
    state = turn.state
    assert state.flow is not None
    value = reading.value.isoformat() if isinstance(reading.value, date) else reading.value
    state.flow.answers[step.id] = value
    state.flow.history.append(step.id)
    _remember_slot(turn, step, reading)
    advance(turn, flow)


def _remember_slot(turn: Turn, step: Step, reading: Reading) -> None:
    state = turn.state
    if step.slot in {Slot.residence, Slot.hukou} and isinstance(reading.value, dict):
        place = Place(**reading.value)
        if step.slot == Slot.residence:
            state.residence = place
        else:
            state.hukou = place
        return
    if step.slot not in {Slot.child_age, Slot.child_birth_date, Slot.child_stage}:
        return
    if not state.consent.get("child_profile"):
        return  # nothing about a child is kept without the guardian's consent
    assert state.flow is not None
    child = state.active_child()
    if child is None:
        child = Child(id=f"c{len(state.children) + 1}")
        state.children.append(child)
        state.flow.child_id = child.id
    if step.slot == Slot.child_age and reading.birth is not None:
        child.birth_date, child.age, child.age_told_on = reading.birth, None, None
    elif step.slot == Slot.child_age and isinstance(reading.value, (int, float)):
        child.age, child.age_told_on, child.birth_date = float(reading.value), turn.today, None
    elif step.slot == Slot.child_birth_date and isinstance(reading.value, date):
        child.birth_date = reading.value
    elif step.slot == Slot.child_stage:
        child.stage = str(reading.value)


def back(turn: Turn) -> None:
    t = turn.t
    current = active(turn)
    if current is None:
        turn.say(t.gettext("现在没有进行中的步骤。"), menu(turn))
        return
    flow, step = current
    assert turn.state.flow is not None
    if not turn.state.flow.history:
        turn.say(t.gettext("已经是第一步了。"))
        ask_step(turn, flow, step)
        return
    # Ask the last answered step again. (Advancing instead would skip a remembered slot such as the
    # city or the child's age at once, so "back" could never reach it.)
    change(turn, turn.state.flow.history[-1])


def _rewind(flow: ActiveFlow, step_id: str) -> None:
    """Forget the answer to `step_id` and every answer given after it."""
    position = flow.history.index(step_id)
    for later in flow.history[position:]:
        flow.answers.pop(later, None)
    flow.history = flow.history[:position]
    for key in list(flow.answers):
        if key not in flow.history:
            flow.answers.pop(key)  # known-slot answers are filled in again when the flow advances


def ask_change(turn: Turn) -> None:
    t = turn.t
    current = active(turn)
    if current is None or turn.state.flow is None or not turn.state.flow.history:
        turn.say(t.gettext("还没有可以修改的答案。"))
        reprompt(turn)
        return
    steps = {step.id: step for step in current[0].steps}
    buttons = tuple(
        Button(_short(t.gettext(steps[step_id].ask)), render(ChangeAnswer(step_id)))
        for step_id in turn.state.flow.history
        if step_id in steps
    )
    turn.say(t.gettext("想改哪一个回答？"), (*buttons, Button(t.gettext("继续当前"), render(Nav("resume")))))


def change(turn: Turn, step_id: str) -> None:
    """Ask an answered step again; a step not answered in this flow is a stale button."""
    current = active(turn)
    if current is None or turn.state.flow is None or step_id not in turn.state.flow.history:
        stale(turn)
        return
    flow = current[0]
    step = next(step for step in flow.steps if step.id == step_id)
    _rewind(turn.state.flow, step_id)  # the remembered slot is kept until the new answer replaces it
    turn.state.flow.step_id = step_id
    ask_step(turn, flow, step)


def cancel(turn: Turn) -> None:
    state = turn.state
    t = turn.t
    if state.flow is None:
        state.pending = None
        turn.say(t.gettext("好的，已取消。"), menu(turn))
        return
    flow = turn.services.flows.flows.get(state.flow.flow_id)
    state.flow = None
    title = t.gettext(flow.title) if flow else ""
    turn.say(t.gettext("好的，“{title}”已取消。想再办的时候随时叫我。", title=title), menu(turn))


def _slot_answer(flow: Flow, answers: dict[str, object], slot: Slot) -> object:
    return next(
        (answers.get(step.id) for step in flow.steps if step.slot == slot and step.id in answers), None
    )


def finish(turn: Turn, flow: Flow) -> None:
    state = turn.state
    t = turn.t
    assert state.flow is not None
    answered = state.flow
    age = _slot_answer(flow, answered.answers, Slot.child_age)
    residence = _slot_answer(flow, answered.answers, Slot.residence)
    place = Place(**residence) if isinstance(residence, dict) else state.residence
    checklist = build_checklist(
        flow,
        answered,
        turn.services.kb,
        t,
        turn.today,
        place.province,
        place.city,
        float(age) if isinstance(age, (int, float)) else None,
        turn.services.rules,
    )
    state.flow = None
    turn.noted_finished(flow.id)
    if state.consent.get("child_profile"):
        state.checklists[flow.id] = checklist
        turn.effects.append(
            StoreChecklist(
                flow_id=flow.id,
                title=checklist.title,
                lines=tuple(line.model_dump() for line in checklist.lines),
                dates=tuple(
                    {
                        "id": key_date.id,
                        "label": key_date.label,
                        "start": key_date.start.isoformat(),
                        "end": key_date.end.isoformat() if key_date.end else None,
                        "first_step": key_date.first_step,
                        "reminder": key_date.reminder,
                        "source": key_date.source,
                        "verified": key_date.verified,
                        "stage": key_date.stage,
                    }
                    for key_date in checklist.dates
                ),
                child_id=checklist.child_id,
                remind=state.consent.get("reminders") is True,
            )
        )
    summary = t.gettext(
        "你的清单做好了：“{title}”，共{count}条。", title=checklist.title, count=len(checklist.lines)
    )
    if state.consent.get("child_profile"):
        summary += t.gettext("随时发“我的清单”再看。")
    turn.say(summary)
    _say_pieces(turn, checklist, (human_button(turn),))


def _say_pieces(turn: Turn, checklist: Checklist, buttons: tuple[Button, ...] = ()) -> None:
    """A checklist in readable pieces; the last carries the buttons and the whole as a document."""
    near_days = turn.services.rules.deadline_near_days
    document = render_checklist(checklist, turn.t, turn.today, near_days)
    *pieces, last = checklist_pieces(checklist, turn.t, turn.today, near_days)
    for piece in pieces:
        turn.say(piece)
    turn.say(last, buttons, document=document)


def show_checklists(turn: Turn) -> None:
    t = turn.t
    checklists = list(turn.state.checklists.values())
    if not checklists:
        turn.say(
            t.gettext("你还没有清单。办居住证、孩子医保或上学报名的引导走完后，会给你一份清单。"),
            menu(turn),
        )
        return
    for checklist in checklists:
        _say_pieces(turn, checklist)
