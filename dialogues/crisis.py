"""Safety first. A message about danger to a child gets emergency contacts at once and an urgent
handoff, whatever else is going on, even while a worker owns the conversation. The kind of crisis
(dialogues/crisis_kind.py) decides the numbers said first: 120 for a medical emergency, 12338 and
110 for violence against the parent. The reply's own questions (is the child safe, where are you)
wait for their answer (dialogues/crisis_followup.py); an open flow waits too. A reported loss is
answered gently instead, and everything planned for the child stops."""

from __future__ import annotations

from core.message import Button, Reply
from dialogues.crisis_followup import MAX_ASKS, note_answer
from dialogues.crisis_kind import crisis_kinds
from dialogues.effect import CancelChildPlans
from dialogues.flow import Step, StepType
from dialogues.handoff import next_steps, open_ticket
from dialogues.payload import AskHuman, render
from dialogues.safety import crisis_replies
from dialogues.state import Pending
from dialogues.steps import active
from dialogues.turn import Turn
from nlu.crisis import content_length
from nlu.result import Parse


def assess(turn: Turn, text: str, normalized: str, parse: Parse) -> str | None:
    """The kind of crisis (medical, carer_violence, self_harm, child_danger: crisis_kinds.yaml),
    "bereavement" or None. A kind's own words, the keyword safety net or the classifier's flag make
    a crisis; the classifier's flag also fires on 去世, so a reported loss is recognised first
    unless the words name a danger."""
    services = turn.services
    kinds = crisis_kinds()
    named = kinds.named(normalized)
    danger = named is not None or services.safety_net.matches(normalized)
    bereaved = not danger and not text.startswith("/") and services.bereavement.matches(normalized)
    if not danger and parse.crisis and _answers_the_step(turn, text, parse):
        return None
    if danger or (parse.crisis and not bereaved):
        if named is not None:
            return named
        categories = frozenset(
            reason.split(":", 1)[1]
            for reason in (parse.crisis_reasons if parse.crisis else ())
            if reason.startswith(("pattern:", "damped:"))
        )
        return kinds.kind_of(normalized, categories)
    return "bereavement" if bereaved else None


# an answer, not a story: up to eight English words or sixteen Chinese characters (nlu.crisis.content_length)
MAX_ANSWER_LENGTH = 16
_YES_NO_QUESTIONS = frozenset({"consent", "handoff", "forget"})
_YES_NO = Step(id="confirm", type=StepType.yes_no, ask="是或不是")


def _answers_the_step(turn: Turn, text: str, parse: Parse) -> bool:
    """Whether a message flagged by the classifier's crisis score alone (no pattern of danger, no
    word of the safety net; at most a weak cue such as 联系不上 or 跑了, which is no danger by itself:
    "yes, my husband has one", "me and my child", "不要，我不想给资料", "他妈早跑了联系不上")
    reads as the answer to what was just asked (the flow's step, or a yes/no question such as the
    consent), and is short enough to be an answer: then it is that answer. A pattern or a keyword
    always makes a crisis."""
    if not parse.crisis_reasons or not all(
        reason.startswith("scorer:") or reason == "weak-cue" for reason in parse.crisis_reasons
    ):
        return False  # a pattern of danger (or a damped one) decided it, not the score alone
    if content_length(turn.services.tokenizer.normalize(text)) > MAX_ANSWER_LENGTH:
        return False  # a story, not an answer: the crisis reply errs on the side of the child
    pending = turn.state.pending
    current = active(turn)
    if pending is not None and pending.kind in _YES_NO_QUESTIONS:
        step = _YES_NO
    elif pending is None and current is not None:
        step = current[1]
    else:
        return False
    return turn.read(step, text, parse).ok


def crisis(turn: Turn, text: str, kind: str) -> None:
    """The numbers, an urgent ticket, and the questions (is the child safe, where), asked at most
    twice. A crisis message that answers those questions ("不安全 他还在砸门") is a crisis first;
    what it says of the child's safety and place is noted on the ticket too."""
    state = turn.state
    earlier = state.pending if state.pending is not None and state.pending.kind == "crisis_followup" else None
    asked = int(earlier.data.get("asked", 1)) if earlier is not None else 0
    ask = asked < MAX_ASKS
    replies = crisis_replies(turn.t, kind, in_flow=state.flow is not None, ask=ask)
    if earlier is None and turn.services.office_hours is not None:
        # when a worker will be there, after the numbers and before the questions (once per crisis)
        replies.insert(1, Reply(next_steps(turn, urgent=True)))
    turn.replies += replies
    open_ticket(turn, "crisis", "urgent", text[:300])
    state.pending = (
        Pending(kind="crisis_followup", data={"crisis": kind, "asked": asked + 1}) if ask else None
    )
    if earlier is not None:
        note_answer(turn, text)


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
