"""The menu (the flows that offer themselves, and a person) and the greeting."""

from __future__ import annotations

from core.message import Button
from dialogues import text as texts
from dialogues.payload import AskHuman, StartFlow, render
from dialogues.turn import Turn


def human_button(turn: Turn) -> Button:
    return Button(turn.t.gettext("找社工"), render(AskHuman()))


def menu(turn: Turn) -> tuple[Button, ...]:
    t = turn.t
    buttons = [
        Button(t.gettext(flow.title), render(StartFlow(flow.id))) for flow in turn.services.flows.menu()
    ]
    buttons.append(human_button(turn))
    return tuple(buttons)


def greet(turn: Turn) -> None:
    t = turn.t
    turn.say(t.gettext("你好，我是同行，陪你们一家在新城市办事。") + "\n" + texts.capabilities(t), menu(turn))


def anything_else(turn: Turn) -> None:
    turn.say(turn.t.gettext("还有什么想问的？"), menu(turn))
