"""The questions asked outside a flow (a person, consent, /forget) read the parent's own words:
dialect, hedges, Traditional and English; a request for help while a person is offered is a yes with
its reason on the ticket; an unclear reply is re-asked with its choices, twice at most, then a person
is offered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogues.collecting import Chat
from dialogues.effect import OpenHandoff
from dialogues.slot import read_yes_no

ASKS_FOR_HELP = (
    "学校不收我家孩子…能帮我问问吗",
    "学校说没有名额了，没办法，你能帮我问问吗",
    "我不会弄这个 帮帮我吧",
    "孩子不能在这边上学，想找个真人问下",
    "can you help me ask the school, they won't take my son",
)


@pytest.mark.parametrize("text", ASKS_FOR_HELP)
def test_a_request_for_help_after_human_is_a_yes_with_its_reason_on_the_ticket(
    chat: Callable[..., Chat], text: str
) -> None:
    talk = chat()
    talk.say("/human")
    assert talk.labels == ["可以", "不用了"]
    talk.say(text)
    tickets = [effect for effect in talk.last.effects if isinstance(effect, OpenHandoff)]
    assert len(tickets) == 1 and tickets[0].summary == text
    assert talk.state.consent["handoff"] is True and talk.state.pending is None


@pytest.mark.parametrize(
    "text", ("可以吧", "应该是吧", "要得", "中", "得嘞", "好嘞", "麻烦你了", "可以啊，謝謝", "I think so")
)
def test_a_yes_in_words_opens_the_ticket(chat: Callable[..., Chat], text: str) -> None:
    talk = chat()
    talk.say("/human")
    talk.say(text)
    assert "OpenHandoff" in talk.effects


@pytest.mark.parametrize(
    "text",
    ("不用了", "唔使", "唔使喇", "算了吧", "好像不用", "先不用了，谢谢", "不用，我自己能问问", "no thanks"),
)
def test_a_no_in_words_opens_none(chat: Callable[..., Chat], text: str) -> None:
    talk = chat()
    talk.say("/human")
    talk.say(text)
    assert talk.effects == ["RecordConsent"] and talk.state.consent["handoff"] is False


@pytest.mark.parametrize("text", ("确定", "對，刪掉吧", "删吧", "可以的"))
def test_forget_confirmed_in_words(chat: Callable[..., Chat], text: str) -> None:
    talk = chat()
    talk.say("/forget")
    talk.say(text)
    assert talk.effects == ["DeleteUserData"]


@pytest.mark.parametrize("text", ("算了", "不删了", "唔使", "还是不要了"))
def test_forget_refused_in_words(chat: Callable[..., Chat], text: str) -> None:
    talk = chat()
    talk.say("/forget")
    talk.say(text)
    assert talk.effects == [] and "什么都没删" in talk.text


def test_an_unclear_reply_is_asked_again_with_its_choices_twice_then_a_person_is_offered(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    talk.say("办居住证")
    asked = talk.labels
    assert asked == ["同意", "不同意"]
    for _ in range(2):
        talk.say("啊？")
        assert talk.labels == asked and "1.同意" in talk.text
        assert talk.state.pending is not None and talk.state.pending.kind == "consent"
    talk.say("啊？")
    assert talk.state.pending is not None and talk.state.pending.kind == "handoff"
    assert talk.labels == ["可以", "不用了"]


def test_twice_unclear_about_a_person_ends_the_question_kindly(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("/human")
    for _ in range(2):
        talk.say("啊？")
        assert talk.labels == ["可以", "不用了"]
    talk.say("啊？")
    assert talk.state.pending is None and "/human" in talk.text and talk.effects == []


NEGATIONS = ("不用", "不要", "不行", "不可以", "不是", "没有", "不同意", "唔使", "算了", "no", "I don't")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_the_yes_no_reader_never_raises(text: str) -> None:
    reading = read_yes_no(text, None, 0.75)
    assert reading.ok or reading.problem == "not_understood"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(("", "应该", "好像", "我觉得", "可能", "还是", "那就")),
    st.sampled_from(NEGATIONS),
    st.text(alphabet="了吧啊呀，。！ 谢麻烦", max_size=6),
)
def test_a_clear_negation_never_reads_as_yes(hedge: str, negation: str, tail: str) -> None:
    assert read_yes_no(f"{hedge}{negation}{tail}", None, 0.75).value != "yes"


def test_forget_asked_again_when_unclear_and_a_new_request_deletes_nothing(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("/forget")
    talk.say("啊？")
    assert talk.labels == ["确认删除", "不删了"] and talk.state.pending is not None
    talk.say("孩子上学要准备什么材料")
    assert "什么都没删" in talk.text and "DeleteUserData" not in talk.effects
    assert talk.state.pending is None or talk.state.pending.kind != "forget"


@pytest.mark.parametrize(
    ("ask", "unclear"),
    [("孩子在这边能上公办小学吗", ["嗯", "？", "啊？"]), ("/lang", ["嗯", "?", "xx"])],
)
def test_an_unclear_reply_to_the_city_or_language_question_is_re_asked_twice_then_a_person_offered(
    chat: Callable[..., Chat], ask: str, unclear: list[str]
) -> None:
    talk = chat()
    talk.say(ask)
    choices = talk.labels
    for reply in unclear[:2]:
        talk.say(reply)
        assert "我没看懂" in talk.text and talk.labels == choices  # the choices shown again
    talk.say(unclear[2])
    assert "我还是没看懂" in talk.text and talk.state.pending is not None
    assert talk.state.pending.kind == "handoff"


def test_a_city_declined_in_words_is_still_answered_without_a_re_ask(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("孩子在这边能上公办小学吗")
    talk.say("不想说")
    assert "我没看懂" not in talk.text and "来源" in talk.text and talk.state.pending is None
