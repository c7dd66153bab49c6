"""Feedback on answers: a light "有帮助吗？" under an answer, when dialogues/data/feedback.yaml says
(after a part of an answer, once per topic, a few times per conversation), with three buttons
(有帮助 / 没帮助 / 找社工) that the parent may also say in words. What is recorded is the service, the
place and the channel (RecordFeedback), never the parent's words; 找社工 opens the normal handoff."""

from __future__ import annotations

from core.message import Button
from dialogues.effect import RecordFeedback
from dialogues.handoff import ask_handoff
from dialogues.menu import human_button
from dialogues.payload import Feedback, FeedbackRating, render
from dialogues.turn import Turn


def should_ask(turn: Turn, topic: str, kind: str) -> bool:
    """Whether to ask after this reply: the rule's kind of reply, outside a flow, once per topic."""
    rules = turn.services.feedback
    state = turn.state
    if rules is None or state.flow is not None or state.worker is not None:
        return False
    if kind != rules.ask_after and not (rules.ask_after == "brief" and kind == "part"):
        return False
    return topic not in state.feedback_asked and len(state.feedback_asked) < rules.per_conversation


def feedback_buttons(turn: Turn, service_id: str, topic: str) -> tuple[str, list[Button]]:
    """The question's line and its three buttons (the last replaces the answer's 找社工); the topic
    is remembered as asked, and the service as the one the next message may rate in words."""
    t = turn.t
    state = turn.state
    state.feedback_asked = [*state.feedback_asked, topic]
    state.feedback_for = service_id
    buttons = [
        Button(t.gettext("有帮助"), render(Feedback("helpful", service_id))),
        Button(t.gettext("没帮助"), render(Feedback("not_helpful", service_id))),
        Button(human_button(turn).label, render(Feedback("human", service_id))),
    ]
    return t.gettext("有帮助吗？"), buttons


def rate(turn: Turn, rating: FeedbackRating, service_id: str) -> None:
    """A rating pressed or said: recorded without words; 找社工 goes on to the normal handoff."""
    state = turn.state
    state.feedback_for = None
    residence = state.residence
    turn.effects.append(
        RecordFeedback(
            service_id=service_id,
            rating=rating,
            province=residence.province,
            city=residence.city,
            district=residence.district,
        )
    )
    t = turn.t
    if rating == "helpful":
        turn.say(t.gettext("谢谢你告诉我！还有别的想问，直接发给我就行。"))
    elif rating == "not_helpful":
        turn.say(
            t.gettext("谢谢你告诉我，我们会把资料补好。想找人问清楚，可以找社工。"),
            (human_button(turn),),
        )
    else:
        ask_handoff(turn)


def said_feedback(turn: Turn, text: str, service_id: str) -> bool:
    """The message right after the question on `service_id`, when it is just a rating in words:
    recorded. Anything else is served as usual (and that topic is not asked about again)."""
    rules = turn.services.feedback
    if rules is None or service_id not in turn.services.kb.by_id:
        return False
    rating = rules.rating_in(text)
    if rating is None:
        return False
    rate(turn, rating, service_id)
    return True
