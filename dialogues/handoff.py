"""Handing a conversation to a person: asking first (consent), opening the ticket, not twice."""

from __future__ import annotations

from core.message import Button
from dialogues import text as texts
from dialogues.case_summary import summarise
from dialogues.effect import OpenHandoff
from dialogues.office_hours import what_happens_next
from dialogues.payload import PendingReply, render
from dialogues.state import Pending
from dialogues.turn import Turn


def open_ticket(turn: Turn, reason: str, urgency: str, summary: str) -> None:
    """The ticket with its case summary, and what happens next (when a worker replies, whom to call)
    told to the parent."""
    state = turn.state
    services = turn.services
    case = summarise(
        state,
        turn.today,
        flows=services.flows.flows,
        kb=services.kb,
        stage_ages=services.rules.stage_ages,
        words=summary,
    )
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
            case=case,
        )
    )


def next_steps(turn: Turn, *, urgent: bool) -> str:
    """When a worker will reply (the office hours of the family's place), and whom to call."""
    hours = turn.services.office_hours
    office = hours.for_place(turn.state.residence) if hours is not None else None
    return what_happens_next(turn.t, office, turn.services.clock.now(), urgent=urgent)


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
    turn.say(texts.handoff_opened(turn.t) + next_steps(turn, urgent=False))
