"""A message while a flow step waits for its answer: a navigation word, the answer in the parent's
own words, a side question (answered, then back to the same step), another flow, or a re-ask that
says what was wrong."""

from __future__ import annotations

from core.message import Button
from dialogues.flow import Flow, Step, StepType
from dialogues.followup import follow_up
from dialogues.heard import said_now, store_on_child
from dialogues.intents import handle_intent
from dialogues.payload import Nav, StartFlow, render
from dialogues.runner import known_value
from dialogues.slot import Reading
from dialogues.steps import accept, active, ask_change, ask_step, back, cancel
from dialogues.turn import Turn
from nlu.result import Parse


def in_flow(turn: Turn, text: str, normalized: str, parse: Parse) -> None:
    current = active(turn)
    if current is None:
        handle_intent(turn, text, parse)
        return
    flow, step = current
    navigation = turn.services.navigation
    if navigation.says("back", text, normalized):
        back(turn)
        return
    if navigation.says("cancel", text, normalized):
        cancel(turn)
        return
    if navigation.says("change", text, normalized):
        ask_change(turn)
        return
    if navigation.says("resume", text, normalized):
        ask_step(turn, flow, step)
        return
    services = turn.services
    said = said_now(step, turn.state, turn.today)
    if said is not None:
        accept(turn, flow, step, Reading(said))
        return
    reading = turn.read(step, text, parse)
    if reading.ok:
        accept(turn, flow, step, reading)
        return
    store_on_child(turn)
    known = known_value(step, turn.state, turn.today)
    if known is not None:  # "娃儿是脑瘫 有残疾证 二级的" at "孩子有残疾吗？": the message said it
        accept(turn, flow, step, Reading(known))
        return
    if follow_up(turn, text, normalized, parse):  # "要带什么", "那要钱吗": of the service the flow is for
        turn.say(turn.t.gettext("我们接着刚才的步骤。"))
        ask_step(turn, flow, step)
        return
    confident = turn.confident(parse.confidence)
    starts = services.flows.for_intent(parse.intent) if confident else None
    if starts is not None and starts.id == flow.id:
        invalid(turn, flow, step, reading)  # asking for the flow under way: its step is the answer
        return
    if parse.intent in services.rules.side_intents and confident:
        handle_intent(turn, text, parse)  # a side question: answer it, then resume at the same step
        if turn.state.flow is not None and turn.state.flow.step_id == step.id and not turn.state.pending:
            turn.say(turn.t.gettext("我们接着刚才的步骤。"))
            ask_step(turn, flow, step)
        return
    other = starts
    if other is not None:
        t = turn.t
        turn.say(
            t.gettext(
                "你正在办“{current}”。要改成“{new}”吗？",
                current=t.gettext(flow.title),
                new=t.gettext(other.title),
            ),
            (
                Button(t.gettext("改办这个"), render(StartFlow(other.id))),
                Button(t.gettext("继续当前"), render(Nav("resume"))),
            ),
        )
        return
    invalid(turn, flow, step, reading)


def invalid(turn: Turn, flow: Flow, step: Step, reading: Reading) -> None:
    t = turn.t
    # What was wrong with the answer comes first (2月30日, a date to come, an age of 25); the step's
    # own message only for an answer that was not understood at all.
    if reading.problem == "out_of_range" and step.type == StepType.age:
        message = t.gettext("这个年龄好像不对。这里问的是孩子的年龄（0到17岁），比如“5岁”或“5”。")
    elif reading.problem == "future":
        message = t.gettext("这个日期还没到。请告诉我已经过去的日期，比如 2024年5月6日。")
    elif reading.problem == "past":
        message = t.gettext("这个日期已经过去了，请告诉我以后的日期。")
    elif reading.problem == "bad_date":
        message = t.gettext("这个日期不存在，请再看一下，比如 2024年5月6日。")
    elif step.invalid:
        message = t.gettext(step.invalid)
    elif reading.problem == "out_of_range":
        message = t.gettext("这个数字不在合理范围内，请再看一下。")
    elif step.type in {StepType.choice, StepType.yes_no}:
        message = t.gettext("我没看懂这个回答。请点下面的按钮，或回复按钮前的数字。")
    elif step.type == StepType.place:
        message = t.gettext("我没认出这个地方。请写城市名，比如“厦门”或“海口”。")
    elif step.type == StepType.date:
        message = t.gettext("我没看懂这个日期。请这样写：2024年5月6日。")
    else:
        message = t.gettext("我没看懂这个回答，请换个说法。")
    turn.say(message)
    ask_step(turn, flow, step)
