"""The answer to "which district (区/县) do you live in?" before a ticket opens
(dialogues/handoff.py asks it): a district's button, or the parent's words ("思明区", "思明", "我在湖里",
"siming"), matched against the place data of the lexicon. A district of the family's city is
remembered and the ticket opens for its workers; "不清楚", or words that name no district, open it at
the city's level, where the city's supervisors see it. A person asked for is never lost on a
question about where."""

from __future__ import annotations

from dialogues.answers import remember_place
from dialogues.handoff import NOT_SURE, finish_handoff
from dialogues.slot import find_places
from dialogues.state import Pending
from dialogues.turn import Turn
from nlu.result import Parse


def on_district(turn: Turn, pending: Pending, text: str, parse: Parse | None) -> bool:
    state = turn.state
    state.pending = None
    reason = str(pending.data.get("reason", "requested"))
    summary = str(pending.data.get("summary", ""))
    if text.strip() != NOT_SURE and state.residence.district is None:
        lexicon = turn.services.lexicon
        named = find_places(lexicon, turn.services.tokenizer.normalize(text).lower())
        districts = [place for place in named if place.kind == "district"]
        mine = [place for place in districts if place.city == state.residence.city]
        chosen = mine or districts  # a district of another city: the parent knows best
        if chosen:
            remember_place(turn, "district", chosen[0].id, "residence")
    if state.residence.district is None:
        turn.say(turn.t.gettext("没关系，我先转给市里的社工。"))
    finish_handoff(turn, reason, summary)
    return True
