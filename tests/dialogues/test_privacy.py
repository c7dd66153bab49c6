"""/mydata shows what is held for a flow still in use (State.heard, never on a profile), in the
parent's language."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialogues.collecting import Chat
from dialogues.state import State

HEARD = {"age": 6.0, "disability": "yes", "low_income": "yes", "who": "both", "turn": 0}


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("zh_Hans", ("暂存", "6岁", "孩子有残疾", "家里经济困难", "给家长和孩子办居住证")),
        ("zh_Hant", ("暫存", "6歲", "孩子有殘疾", "家裡經濟困難", "給家長和孩子辦居住證")),
        ("en", ("held only for this application", "the child has a disability", "financial difficulty")),
    ],
)
def test_mydata_shows_the_facts_held_for_a_flow(
    chat: Callable[..., Chat], locale: str, shown: tuple[str, ...]
) -> None:
    talk = chat(state=State(locale=locale, heard=dict(HEARD)))
    talk.say("/mydata")
    for words in shown:
        assert words in talk.text, (words, talk.text)


def test_mydata_has_no_held_line_when_nothing_is_held(chat: Callable[..., Chat]) -> None:
    talk = chat(state=State())
    talk.say("/mydata")
    assert "暂存" not in talk.text


def test_a_fact_heard_in_a_message_is_shown_by_mydata(chat: Callable[..., Chat]) -> None:
    talk = chat(state=State(consent={"child_profile": True}))
    talk.say("我们家里是低保户 想问孩子上学的事")
    talk.say("/mydata")
    assert "家里经济困难" in talk.text, talk.text
