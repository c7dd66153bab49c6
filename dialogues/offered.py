"""The buttons last offered to the parent, remembered so that a channel without buttons works: a
reply of just a number picks the button with that number, and a button's own label typed out presses
it. Numbers are read by the step itself where they are its answers (ages, numbers, dates, and the
choices of a choice step)."""

from __future__ import annotations

import unicodedata

from dialogues.flow import StepType
from dialogues.state import Offer
from dialogues.steps import active
from dialogues.turn import Turn

NUMBER_STEPS = {StepType.age, StepType.number, StepType.date, StepType.choice}


def pressed(turn: Turn, text: str) -> str | None:
    """The payload of the offered button the message names, if it names one."""
    offered = turn.state.offered
    if not offered:
        return None
    clean = unicodedata.normalize("NFKC", text).strip().rstrip(".。、").lower()
    for offer in offered:
        if clean == offer.label.lower():
            return offer.payload
    if clean.isdigit() and 1 <= int(clean) <= len(offered) and not _step_reads_numbers(turn):
        return offered[int(clean) - 1].payload
    return None


def _step_reads_numbers(turn: Turn) -> bool:
    current = active(turn)
    return current is not None and current[1].type in NUMBER_STEPS


def remember(turn: Turn) -> None:
    """After a turn that said something: the buttons of its last reply with buttons, numbered as a
    channel without buttons shows them (or none)."""
    if not turn.replies:
        return
    last = next((reply for reply in reversed(turn.replies) if reply.buttons), None)
    turn.state.offered = [Offer(label=b.label, payload=b.payload) for b in (last.buttons if last else ())]
