"""Handing a conversation to a person: asking first (consent), asking the district when only the
city is known (a ticket goes to the district's workers; dialogues/district.py reads the answer),
opening the ticket, not twice. An urgent ticket (a crisis) never waits for the district: it opens
at once at the city's level, where the city's supervisors see it."""

from __future__ import annotations

from core.lexicon import Lexicon, Place
from core.message import Button
from dialogues import text as texts
from dialogues.case_summary import summarise
from dialogues.effect import OpenHandoff
from dialogues.office_hours import what_happens_next
from dialogues.payload import PendingReply, render
from dialogues.state import Pending
from dialogues.turn import Turn

NOT_SURE = "not_sure"  # the district button "不清楚": the ticket opens at the city's level


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
    """The ticket, its summary the parent's own words when they gave a reason (else the reason);
    first the district, when the city is known and has districts to choose from."""
    if districts_to_ask(turn):
        ask_district(turn, reason, summary)
        return
    finish_handoff(turn, reason, summary)


def finish_handoff(turn: Turn, reason: str, summary: str = "") -> None:
    open_ticket(turn, reason, "normal", summary or reason)
    turn.say(texts.handoff_opened(turn.t) + next_steps(turn, urgent=False))


def districts_to_ask(turn: Turn) -> list[Place]:
    """The districts of the family's city (the lexicon's place data) when the district is not known
    yet; none when the city is unknown or the lexicon lists no district for it (儋州): the ticket then
    goes to the city's supervisors."""
    residence = turn.state.residence
    if residence.city is None or residence.district is not None:
        return []
    return districts_of(turn.services.lexicon, residence.city)


def districts_of(lexicon: Lexicon, city: str) -> list[Place]:
    """A city's districts in the lexicon's order, each once (by its canonical name)."""
    seen: dict[str, Place] = {}
    for place in lexicon.places:
        if place.kind == "district" and place.city == city:
            seen.setdefault(place.id, place)
    return list(seen.values())


def ask_district(turn: Turn, reason: str, summary: str) -> None:
    """One short question, a button per district and one for "not sure"; typed words work too."""
    t = turn.t
    residence = turn.state.residence
    city = turn.services.lexicon.place_by_id.get(("city", residence.city or ""))
    turn.state.pending = Pending(kind="district", data={"reason": reason, "summary": summary})
    buttons = [
        Button(t.content(place.name), render(PendingReply("district", place.id)))
        for place in districts_to_ask(turn)
    ]
    buttons.append(Button(t.gettext("不清楚"), render(PendingReply("district", NOT_SURE))))
    turn.say(
        t.gettext(
            "好的。你住在{city}哪个区（县）？我好转给那里的社工。",
            city=t.content(city.name) if city else "",
        ),
        tuple(buttons),
    )
