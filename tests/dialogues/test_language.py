"""The parent's language, in memory: the first message sets it from its script (Traditional
characters, English words), short or mixed first messages and later messages switch nothing, /lang
still changes it, and short English answers are understood at flow steps and pending questions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.message import Inbound
from dialogues.collecting import Chat
from dialogues.script import locale_of_first_message


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("請問孩子在廈門怎麼上學", "zh_Hant"),
        ("謝謝", "zh_Hant"),
        ("我們在海口，孩子要上學", "zh_Hant"),
        ("Hello", "en"),
        ("How do I get a residence permit for my child?", "en"),
        ("I live in 厦门 with my two kids", "en"),
        ("孩子上学要什么材料", None),
        ("ok", None),
        ("1", None),
        ("好", None),
        ("ni hao", None),  # pinyin is not English
        ("xiamen", None),
        ("我想给孩子辦居住证", None),  # one Traditional character among Simplified ones: mixed
        ("我想办residence permit", None),  # Chinese with two English words: mixed
        ("/help", None),
        ("😭😭", None),
    ],
)
def test_the_script_of_a_first_message(text: str, locale: str | None) -> None:
    assert locale_of_first_message(text) == locale


def test_a_first_message_in_traditional_is_answered_in_traditional(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("你好，請問孩子在這邊能上公辦小學嗎")
    assert talk.state.locale == "zh_Hant"
    assert "們" in talk.text or "個" in talk.text
    assert "你们" not in talk.text


def test_a_first_message_in_english_gets_english_not_a_chinese_menu(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("Hello, I need help with my child's school")
    assert talk.state.locale == "en"
    assert "Tongxing" in talk.text and "我能帮你" not in talk.text
    assert "Talk to a social worker" in talk.labels


@pytest.mark.parametrize("first", ["ok", "1", "好", "hi there 你好吗我们"])
def test_short_or_mixed_first_messages_keep_the_default(chat: Callable[..., Chat], first: str) -> None:
    talk = chat()
    talk.say(first)
    assert talk.state.locale == "zh_Hans"


def test_the_platform_locale_wins_over_the_script(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.send(Inbound("parent-1", "test", text="Hello, can you help me", locale="zh-CN"))
    assert talk.state.locale == "zh_Hans"


def test_a_later_message_in_another_script_does_not_switch(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("你好")
    talk.say("How do I get a residence permit for my child?")
    assert talk.state.locale == "zh_Hans"
    talk.say("請問孩子在廈門怎麼上學")
    assert talk.state.locale == "zh_Hans"


def test_lang_still_changes_a_language_set_by_the_first_message(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("Hello")
    assert talk.state.locale == "en"
    talk.say("/lang")
    talk.press("简体中文")
    assert talk.state.locale == "zh_Hans"
    assert "简体中文" in talk.text


@pytest.mark.parametrize("consent", ["I agree", "yes please", "agree", "of course", "ok"])
def test_english_short_answers_at_consent_and_steps(chat: Callable[..., Chat], consent: str) -> None:
    talk = chat()
    talk.say("Hello")
    talk.say("/checkup")
    talk.say(consent)
    assert talk.state.consent.get("child_profile") is True
    assert talk.state.flow is not None and talk.state.flow.step_id == "residence"
    talk.say("Sanya")
    assert talk.state.residence.city == "sanya"
    talk.say("he is eight")
    assert talk.state.children[0].age == 8.0
    talk.say("nope")
    assert talk.state.flow is not None and talk.state.flow.answers["disability"] == "no"
    talk.say("yes, we are")
    assert talk.state.flow is not None and talk.state.flow.answers["low_income"] == "yes"


@pytest.mark.parametrize(
    ("who", "value"), [("for my child", "child"), ("my child", "child"), ("both", "both")]
)
def test_english_choice_in_words_at_a_step(chat: Callable[..., Chat], who: str, value: str) -> None:
    talk = chat()
    talk.say("Hello")
    talk.say("I want a residence permit for my child")
    talk.say("Sanya")
    talk.press("Walk me through it")
    talk.say("I agree")
    assert talk.state.flow is not None and talk.state.flow.step_id == "who"
    talk.say(who)
    assert talk.state.flow is not None and talk.state.flow.answers["who"] == value


@pytest.mark.parametrize(
    ("answer", "value"), [("I haven't", "no"), ("we have not", "no"), ("you know", None)]
)
def test_english_negations_and_no_yes_from_a_word_starting_with_y(
    chat: Callable[..., Chat], answer: str, value: str | None
) -> None:
    talk = chat()
    talk.say("Hello")
    for text in ("/checkup", "I agree", "Xiamen", "8", answer):
        talk.say(text)
    assert talk.state.flow is not None
    assert talk.state.flow.answers.get("disability") == value


@pytest.mark.parametrize(
    ("answer", "value"),
    [("I don't agree", False), ("no thanks", False), ("I agree", True), ("yes please", True)],
)
def test_english_consent_in_words(chat: Callable[..., Chat], answer: str, value: bool) -> None:
    talk = chat()
    talk.say("Hello")
    talk.say("/checkup")
    talk.say(answer)
    assert talk.state.consent.get("child_profile") is value


@pytest.mark.parametrize(
    ("age", "years"), [("he is 8", 8.0), ("eight", 8.0), ("she's five and a half", 5.5), ("10 months", 0.0)]
)
def test_english_ages_at_the_age_step(chat: Callable[..., Chat], age: str, years: float) -> None:
    talk = chat()
    talk.say("Hello")
    for text in ("/checkup", "I agree", "Xiamen", age):
        talk.say(text)
    assert talk.state.children[0].age == years


@pytest.mark.parametrize("locale", ["en", "zh_Hant", "zh_Hans"])
def test_a_language_button_switches_even_when_nothing_asked_for_it(
    chat: Callable[..., Chat], locale: str
) -> None:
    talk = chat()
    talk.say("你好")
    talk.payload(f"language:{locale}")
    assert talk.state.locale == locale
    assert "过期" not in talk.text and "過期" not in talk.text and "expired" not in talk.text


def test_a_language_button_keeps_the_question_asked_before_it(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("/checkup")
    assert talk.state.pending is not None and talk.state.pending.kind == "consent"
    talk.payload("language:en")
    assert talk.state.locale == "en"
    assert talk.state.pending is not None and talk.state.pending.kind == "consent"
    talk.payload("consent:yes")
    assert talk.state.consent.get("child_profile") is True


def test_a_language_button_for_an_unknown_locale_is_stale(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("你好")
    talk.payload("language:fr")
    assert talk.state.locale == "zh_Hans"
    assert "过期" in talk.text
