"""The blind follow-ups (tests/dialogues/data/blind/followups.yaml, written without seeing the
code): after the answer to a first question, a short follow-up must be answered about the same
service with the part it asks for (cost, documents, where, how, how long), or with the service of
the other stage of schooling it names. The floor sits a little below the figure reached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from dialogues.collecting import Chat
from dialogues.followup import context
from dialogues.state import Place, State
from dialogues.turn import Turn
from knowledge.catalog import Item, KnowledgeBase

BLIND = Path(__file__).parent / "data" / "blind" / "followups.yaml"
SHOWN = {"cost": "cost", "documents": "bring", "where": "where", "how": "how", "how_long": "time"}
FLOOR = 0.80  # 44 of 53 reached (83.0%); the 9 others are first questions left unanswered


def _about(chat: Chat) -> Item | None:
    """The service a follow-up would be read against now (the last answer's, or the flow's)."""
    services = chat.engine.services
    state = chat.state.model_copy(deep=True)
    return context(Turn(services, state, services.translator(state.locale), services.clock.today()))


def answered_right(chat: Chat, kb: KnowledgeBase, case: dict[str, str]) -> bool:
    """Whether the follow-up got the part it asks for, of the first answer's service (or the
    service of the stage it names)."""
    chat.state = State(locale=case["locale"], residence=Place(province="fujian", city="xiamen"))
    chat.say(case["first"])
    about = _about(chat)
    if about is None:
        return False  # the first question got no answer nor flow to follow up on
    first = about.id
    chat.say(case["followup"])
    state = chat.state
    aspect = case["followup_aspect"]
    if aspect.startswith("stage_"):
        stage = aspect.removeprefix("stage_")
        item = kb.by_id.get(state.last_service or "")
        return (
            item is not None
            and stage in {str(each) for each in item.service.audience.stages}
            and state.last_shown[-1:] in (["brief"], ["stage"])
        )
    return state.last_service == first and bool(state.last_shown) and state.last_shown[-1] == SHOWN[aspect]


def score(chat: Chat, kb: KnowledgeBase) -> tuple[int, int, list[str]]:
    cases = yaml.safe_load(BLIND.read_text(encoding="utf-8"))
    missed = [
        f"{case['locale']}: {case['first']} / {case['followup']}"
        for case in cases
        if not answered_right(chat, kb, case)
    ]
    return len(cases) - len(missed), len(cases), missed


def test_blind_follow_ups_are_answered_with_the_right_service_and_part(
    chat: Callable[..., Chat], kb: KnowledgeBase
) -> None:
    right, total, missed = score(chat(), kb)
    assert right / total >= FLOOR, "\n".join(missed)
