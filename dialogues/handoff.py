"""Handing a conversation to a person: asking first (consent), opening the ticket, not twice."""

from __future__ import annotations

from core.message import Button
from dialogues import text as texts
from dialogues.effect import OpenHandoff
from dialogues.payload import PendingReply, render
from dialogues.state import Pending
from dialogues.turn import Turn


def open_ticket(turn: Turn, reason: str, urgency: str, summary: str) -> None:
    state = turn.state
    state.handoff_open = True
    state.handoff_opened_on = turn.today
    turn.effects.append(
        OpenHandoff(
            reason=reason,
            urgency="urgent" if urgency == "urgent" else "normal",
            summary=summary,
            province=state.residence.province,
            city=state.residence.city,
            district=state.residence.district,
        )
    )


def ask_handoff(turn: Turn, reason: str = "requested") -> None:
    state = turn.state
    t = turn.t
    opened = state.handoff_opened_on
    repeat_days = turn.services.rules.handoff_repeat_days
    if state.handoff_open and opened is not None and (turn.today - opened).days < repeat_days:
        turn.say(
            t.gettext(
                "你的请求已经转给社工了，他们会在这里回复你，不用再发。如果情况紧急，请直接打 110 或 120。"
            )
        )
        return
    if state.consent.get("handoff"):
        open_handoff(turn, reason)
        return
    state.pending = Pending(kind="handoff", data={"reason": reason})
    turn.say(
        texts.handoff_request(t),
        (
            Button(t.gettext("可以"), render(PendingReply("handoff", "yes"))),
            Button(t.gettext("不用了"), render(PendingReply("handoff", "no"))),
        ),
    )


def open_handoff(turn: Turn, reason: str, summary: str = "") -> None:
    """The ticket, its summary the parent's own words when they gave a reason (else the reason)."""
    open_ticket(turn, reason, "normal", summary or reason)
    turn.say(texts.handoff_opened(turn.t))
