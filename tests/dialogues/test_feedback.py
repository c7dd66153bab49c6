"""Feedback on answers (dialogues/feedback.py): "有帮助吗？" under the first part of an answer a
parent reads, once per topic; three buttons, the same in words; recorded without words; 找社工 opens
the normal handoff; a parent who writes a new question is simply answered."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from dialogues.collecting import Chat
from dialogues.effect import RecordFeedback
from dialogues.feedback_rules import load_feedback
from dialogues.payload import Feedback, parse, render

SERVICE = "fj_03_compulsory_education"


def _answered(chat: Callable[..., Chat]) -> Chat:
    conversation = chat()
    conversation.say("我们住在厦门思明区，孩子上学要什么材料")
    assert f"more:bring:{SERVICE}" in [button.payload for button in conversation.buttons]
    assert "有帮助吗" not in conversation.text  # never under the first short answer
    return conversation


def test_the_question_comes_under_the_first_part_read_with_three_buttons(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    assert "有帮助吗？" in conversation.text
    assert conversation.labels[-3:] == ["有帮助", "没帮助", "找社工"]
    assert [button.payload for button in conversation.buttons][-1] == f"fb:human:{SERVICE}"


def test_a_rating_is_recorded_with_the_service_and_the_place_never_the_words(
    chat: Callable[..., Chat],
) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    conversation.press("没帮助")
    (effect,) = [effect for effect in conversation.last.effects if isinstance(effect, RecordFeedback)]
    assert effect == RecordFeedback(SERVICE, "not_helpful", "fujian", "xiamen", "siming")


def test_the_rating_said_in_words_right_after_counts(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    conversation.say("有用，谢谢")
    assert "RecordFeedback" in conversation.effects


def test_a_new_question_after_the_question_is_simply_answered(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    conversation.say("孩子的医保怎么办")
    assert "RecordFeedback" not in conversation.effects
    assert conversation.last.replies
    conversation.say("有用")  # not right after the question any more: not a rating
    assert "RecordFeedback" not in conversation.effects


def test_asked_once_per_topic(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    conversation.payload(f"more:where:{SERVICE}")
    assert "有帮助吗" not in conversation.text
    assert "找社工" in conversation.labels  # the person stays on offer


def test_talk_to_a_person_opens_the_normal_handoff(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload(f"more:bring:{SERVICE}")
    conversation.press("找社工")
    assert "RecordFeedback" in conversation.effects
    conversation.press("可以")
    assert "OpenHandoff" in conversation.effects


def test_a_rating_of_an_unknown_service_is_stale(chat: Callable[..., Chat]) -> None:
    conversation = _answered(chat)
    conversation.payload("fb:helpful:no_such_service")
    assert "RecordFeedback" not in conversation.effects


@given(
    st.sampled_from(("helpful", "not_helpful", "human")),
    st.from_regex(r"[a-z][a-z0-9_]{0,40}", fullmatch=True),
)
def test_a_feedback_payload_parses_back(rating: str, service: str) -> None:
    payload = Feedback(rating, service)  # type: ignore[arg-type]
    assert parse(render(payload)) == payload


def test_every_word_of_the_data_means_one_rating() -> None:
    rules = load_feedback()
    assert rules.rating_in("有帮助") == "helpful"
    assert rules.rating_in("没帮助。") == "not_helpful"
    assert rules.rating_in("找社工") == "human"
    assert rules.rating_in("孩子上学要什么") is None
