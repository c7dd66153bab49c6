"""A parent without buttons (WeChat, SMS, the terminal) answers with the number shown before a
choice, or types the button's label: the conversation core reads both, except where a number is the
step's own answer (an age, a date, a choice of the step)."""

from __future__ import annotations

from collections.abc import Callable

from dialogues.collecting import Chat
from dialogues.state import Child, Place, State


def test_a_number_picks_the_menu_entry_with_that_number(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("你好")
    assert talk.labels[2] == "办居住证"
    talk.say("3")
    assert "你同意吗" in talk.text and talk.state.pending is not None
    assert talk.state.pending.data["flow"] == "residence_permit"
    talk.say("1")  # 同意
    assert talk.state.consent["child_profile"] is True and talk.state.flow is not None


def test_a_typed_label_presses_its_button(chat: Callable[..., Chat]) -> None:
    talk = chat(state=State(residence=Place(province="fujian", city="xiamen")))
    talk.payload("topic:compulsory_education")
    assert "一步步教我办" in talk.labels
    talk.say("一步步教我办")
    assert talk.state.pending is not None and talk.state.pending.data == {"flow": "school_admission"}
    talk.say("不同意。")
    assert talk.state.consent["child_profile"] is False


def test_a_number_at_an_age_step_is_the_age_not_a_button(chat: Callable[..., Chat]) -> None:
    talk = chat(
        state=State(residence=Place(province="fujian", city="xiamen"), consent={"child_profile": True})
    )
    talk.say("/checkup")
    assert "孩子今年几岁了" in talk.text and talk.labels == ["取消"]
    talk.say("1")
    assert talk.state.children[0].age == 1.0 and "孩子有残疾吗" in talk.text


def test_a_number_at_a_yes_no_step_picks_yes_or_no(chat: Callable[..., Chat]) -> None:
    state = State(
        residence=Place(province="fujian", city="xiamen"),
        consent={"child_profile": True},
        children=[Child(id="c1", age=9.0)],
    )
    talk = chat(state=state)
    talk.say("/checkup")
    assert "孩子有残疾吗" in talk.text and talk.labels[:2] == ["是", "否"]
    talk.say("2")
    assert talk.state.flow is not None and talk.state.flow.answers["disability"] == "no"


def test_a_number_beyond_the_choices_of_a_choice_step_is_not_a_navigation_button(
    chat: Callable[..., Chat],
) -> None:
    talk = chat(
        state=State(residence=Place(province="fujian", city="xiamen"), consent={"child_profile": True})
    )
    talk.say("办居住证")
    assert talk.labels[:3] == ["给孩子办", "给家长自己办", "家长和孩子都办"]
    talk.say("5")
    assert "请点一个按钮，或回复数字" in talk.text and talk.state.flow is not None
    talk.say("2")
    assert talk.state.flow.answers["who"] == "parent"


def test_numbers_are_forgotten_when_a_reply_offers_no_buttons(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("你好")
    assert talk.state.offered
    talk.say("谢谢")
    assert talk.last.replies and not talk.buttons and talk.state.offered == []
    talk.say("2")
    assert "你同意吗" not in talk.text
