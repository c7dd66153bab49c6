"""Safety first. A message about danger to a child gets emergency contacts at once and an urgent
handoff, whatever else is going on, even while a worker owns the conversation. A reported loss is
answered gently instead, and everything planned for the child stops."""

from __future__ import annotations

from core.message import Button
from dialogues.effect import CancelChildPlans
from dialogues.handoff import open_ticket
from dialogues.payload import AskHuman, render
from dialogues.safety import crisis_replies
from dialogues.turn import Turn
from nlu.result import Parse


def assess(turn: Turn, text: str, normalized: str, parse: Parse) -> str | None:
    """ "crisis", "bereavement" or None. The classifier's crisis flag also fires on 去世, so a reported
    loss is recognised first unless the keyword safety net names a danger in words."""
    services = turn.services
    danger = services.safety_net.matches(normalized)
    bereaved = not danger and not text.startswith("/") and services.bereavement.matches(normalized)
    if danger or (parse.crisis and not bereaved):
        return "crisis"
    return "bereavement" if bereaved else None


def crisis(turn: Turn, text: str) -> None:
    state = turn.state
    turn.replies += crisis_replies(turn.t, in_flow=state.flow is not None)
    state.pending = None
    open_ticket(turn, "crisis", "urgent", text[:300])


def bereavement(turn: Turn) -> None:
    t = turn.t
    state = turn.state
    living = [child for child in state.children if child.active]
    for child in living if len(living) <= 1 else living[-1:]:
        child.active = False
        turn.effects.append(CancelChildPlans(child.id))
    state.flow = None
    state.pending = None
    turn.say(t.gettext("听到这个消息，我真的很难过。请节哀，照顾好自己。"))
    turn.say(
        t.gettext(
            "为孩子安排的提醒和清单我已经全部停下，不会再给你发关于孩子的消息。"
            "如果想找人说说话，可以发 /human 找社工，或拨打 12355。"
        ),
        (Button(t.gettext("找社工"), render(AskHuman())),),
    )
