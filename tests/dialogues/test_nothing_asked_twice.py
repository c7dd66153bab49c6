"""Nothing asked twice (issue 11, item 3): what a message says fills every step it answers, in the
flow that is open and in flows started later; the step counter counts what is really left; an age
step accepts a birth date. Nothing about a child is kept without consent."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from dialogues.collecting import Chat
from dialogues.heard import facts_in
from tests.conftest import TODAY

DAY = TODAY.date()
CITY_QUESTION, AGE_QUESTION, NEWBORN_QUESTION = "住在哪个城市", "孩子今年几岁", "宝宝出生多久"


@pytest.mark.parametrize(
    "first",
    [
        "我在泉州 宝宝上个月刚生的",  # the words
        "我们住泉州，孩子上个月出生的",
        "在泉州丰泽区 宝宝刚生的",
        "泉州这边，娃刚出生没几天",
        "我在泉州，宝宝是两个月前生的",
    ],
)
def test_a_place_and_a_newborn_said_first_are_not_asked_in_the_flow(
    chat: Callable[..., Chat], first: str
) -> None:
    talk = chat()
    talk.say(first)
    talk.say("帮孩子办医保")
    talk.say("同意")
    assert talk.state.residence.city == "quanzhou"
    for question in (CITY_QUESTION, AGE_QUESTION, NEWBORN_QUESTION):
        assert question not in talk.text
    assert "第1步，共3步" in talk.text and "居住证" in talk.text
    assert talk.state.flow is not None and talk.state.flow.answers["newborn"] == "under_90_days"
    child = talk.state.children[0]
    assert child.age_on(DAY) is not None and child.age_on(DAY) < 0.25


@pytest.mark.parametrize(
    "message",
    [
        "我在泉州 宝宝上个月刚生的 想给孩子办医保",
        "泉州的，孩子上个月才生，医保怎么办",
        "宝宝刚生的，我们在泉州，帮我办医保",
        "在泉州，娃一个月前出生，给娃办医保",
    ],
)
def test_the_message_that_starts_a_flow_fills_its_steps_once_consent_is_given(
    chat: Callable[..., Chat], message: str
) -> None:
    talk = chat()
    talk.say(message)
    assert "同意吗" in talk.text and talk.state.children == []  # nothing kept before consent
    talk.say("同意")
    for question in (CITY_QUESTION, AGE_QUESTION, NEWBORN_QUESTION):
        assert question not in talk.text
    assert talk.state.children and talk.state.children[0].age_on(DAY) is not None


@pytest.mark.parametrize("refusal", ["不同意", "不要", "算了不用了"])
def test_a_refused_consent_drops_what_was_heard_about_the_child(
    chat: Callable[..., Chat], refusal: str
) -> None:
    talk = chat()
    talk.say("我在泉州 宝宝上个月刚生的")
    talk.say("帮孩子办医保")
    talk.say(refusal)
    assert talk.state.consent.get("child_profile") is False
    assert talk.state.children == []
    assert not talk.state.heard or not {"age", "birth_date", "newborn"} & set(talk.state.heard)


def test_what_was_heard_without_consent_is_not_kept_for_long(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("宝宝上个月刚生的")
    talk.say("你好")
    talk.say("孩子打疫苗在哪里打")
    assert talk.state.heard is None and talk.state.children == []


@pytest.mark.parametrize(
    "answer",
    ["2016年3月8日", "2016-03-08", "16年3月8号出生的", "他是2016年3月8日生的"],
)
def test_an_age_step_accepts_a_birth_date(chat: Callable[..., Chat], answer: str) -> None:
    talk = chat()
    for say in ("办医保", "同意", "福州"):
        talk.say(say)
    assert AGE_QUESTION in talk.text
    talk.say(answer)
    assert "这个年龄好像不对" not in talk.text
    assert talk.state.flow is not None and talk.state.flow.answers["child_age"] == pytest.approx(10.7)
    assert talk.state.children[0].birth_date == date(2016, 3, 8)
    assert "第3步，共5步" in talk.text  # residence and age asked; the newborn step ruled out


def test_a_birth_date_too_old_for_the_age_step_is_still_out_of_range(chat: Callable[..., Chat]) -> None:
    talk = chat()
    for say in ("办医保", "同意", "福州", "2001年3月8日"):
        talk.say(say)
    assert "这个年龄好像不对" in talk.text


@pytest.mark.parametrize(
    "answer",
    [
        "娃儿是脑瘫 有残疾证 二级的",  # the words
        "孩子有残疾证，肢体三级",
        "我家孩子是自闭症",
        "有的，脑瘫，还没办残疾证",
    ],
)
def test_a_disability_said_in_words_answers_the_disability_step(
    chat: Callable[..., Chat], answer: str
) -> None:
    talk = chat()
    for say in ("/checkup", "同意", "厦门", "8"):
        talk.say(say)
    assert "孩子有残疾吗" in talk.text
    talk.say(answer)
    assert talk.state.flow is not None and talk.state.flow.answers["disability"] == "yes"
    assert "孩子有残疾吗" not in talk.text and "收入很低" in talk.text


@pytest.mark.parametrize(
    "early",
    [
        "娃儿是脑瘫 有残疾证 二级的",
        "8岁，孩子是脑瘫，有残疾证",
        "孩子8岁 有残疾 家里吃低保",
        "八岁，家里低保户，孩子自闭症",
    ],
)
def test_a_disability_said_at_an_earlier_step_is_not_asked_again(
    chat: Callable[..., Chat], early: str
) -> None:
    talk = chat()
    for say in ("/checkup", "同意", "厦门"):
        talk.say(say)
    talk.say(early)
    if AGE_QUESTION in talk.text:  # the first phrasing says no age: the age step is asked again
        talk.say("8")
    assert talk.state.flow is not None and talk.state.flow.answers.get("disability") == "yes"
    assert "孩子有残疾吗" not in talk.text


@pytest.mark.parametrize(
    "message",
    ["家里是有点困难 我一个人带孩子 吃低保", "我们家是低保户", "收入很低，家里困难", "家里经济困难"],
)
def test_low_income_said_at_an_earlier_step_is_not_asked(chat: Callable[..., Chat], message: str) -> None:
    talk = chat()
    for say in ("/checkup", "同意", "厦门", "8"):
        talk.say(say)
    talk.say(message)  # at the disability step: not an answer to it, but said
    if "孩子有残疾吗" in talk.text:
        talk.say("没有")
    assert talk.state.flow is not None and talk.state.flow.answers.get("low_income") == "yes"
    assert "收入很低" not in talk.text and "low_income" not in talk.state.flow.history


@pytest.mark.parametrize(
    ("message", "who"),
    [
        ("我想给孩子办居住证", "child"),
        ("帮儿子办个居住证", "child"),
        ("我和儿子都要办居住证", "both"),
        ("居住证我自己办", "parent"),
    ],
)
def test_who_the_permit_is_for_is_not_asked_again(chat: Callable[..., Chat], message: str, who: str) -> None:
    talk = chat()
    talk.say(message)
    talk.say("同意")
    talk.say("厦门")
    assert talk.state.flow is not None and talk.state.flow.answers.get("who") == who
    assert "这次想给谁办居住证" not in talk.text


def test_what_was_said_fills_a_flow_started_later(chat: Callable[..., Chat]) -> None:
    talk = chat()
    for say in ("办医保", "同意", "我在泉州 宝宝上个月刚生的"):
        talk.say(say)
    assert AGE_QUESTION not in talk.text and NEWBORN_QUESTION not in talk.text
    talk.say("取消")
    talk.say("/checkup")
    assert CITY_QUESTION not in talk.text and AGE_QUESTION not in talk.text


def test_the_step_counter_does_not_jump(chat: Callable[..., Chat]) -> None:
    talk = chat()
    talk.say("办医保")
    talk.say("同意")
    assert "第1步，共6步" in talk.text
    talk.say("厦门")
    assert "第2步，共6步" in talk.text  # the newborn step may still come: counted
    talk.say("0")
    assert "第3步，共6步" in talk.text and NEWBORN_QUESTION in talk.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("宝宝上个月刚生的", {"birth_date": date(2026, 10, 23)}),
        ("上上个月出生的", {"birth_date": date(2026, 9, 23)}),
        ("孩子3个月前生的", {"birth_date": date(2026, 8, 24)}),
        ("刚生的", {"age": 0.0, "newborn": "under_90_days"}),
        ("娃儿是脑瘫 有残疾证 二级的", {"disability": "yes"}),
        ("孩子没有残疾", {"disability": "no"}),
        ("家里吃低保", {"low_income": "yes"}),
    ],
)
def test_facts_in_words(text: str, expected: dict[str, object]) -> None:
    assert facts_in(text, None, DAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("he is 8", {"age": 8.0}),
        ("she's 8 years old", {"age": 8.0}),
        ("my son, 12 yo", {"age": 12.0}),
        ("born last month", {"birth_date": date(2026, 10, 23)}),
        ("my baby was born 2 months ago", {"birth_date": date(2026, 9, 23)}),
        ("he is 8 months old", {}),  # months: no age in years
    ],
)
def test_facts_in_english_words(text: str, expected: dict[str, object]) -> None:
    assert facts_in(text, None, DAY) == expected


@pytest.mark.parametrize(
    ("locale", "first", "age"),
    [
        ("zh_Hans", "我们住在厦门", "他八岁"),
        ("zh_Hant", "我們住在廈門", "他八歲"),
        ("en", "we live in Xiamen", "he is 8"),
    ],
)
def test_a_place_and_an_age_said_in_any_language_fill_their_steps(
    chat: Callable[..., Chat], locale: str, first: str, age: str
) -> None:
    from dialogues.state import State

    talk = chat(state=State(locale=locale))
    talk.say(first)
    talk.say("/checkup")
    talk.press({"zh_Hans": "同意", "zh_Hant": "同意", "en": "I agree"}[locale])
    assert talk.state.flow is not None and talk.state.residence.city == "xiamen"
    assert talk.state.flow.step_id == "child_age"  # the city was not asked
    talk.say(age)
    assert talk.state.flow is not None and talk.state.flow.answers.get("child_age") == 8


_FACTS: dict[str, list[object]] = {
    "age": [0.0, 2.0, 5.0, 8.0, 13.0, 16.0],
    "disability": ["yes", "no"],
    "low_income": ["yes", "no"],
    "who": ["child", "parent", "both"],
    "newborn": ["under_90_days", "older"],
}


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**9))
def test_the_step_counter_moves_by_one_and_its_total_never_grows_whatever_facts_come_when(
    base_app: App, seed: int
) -> None:
    from dialogues.flow import StepType
    from dialogues.runner import next_step, progress
    from dialogues.state import ActiveFlow, State

    rng = random.Random(seed)
    flow = rng.choice(sorted(base_app.dialogue.services.flows.flows.values(), key=lambda each: each.id))
    state = State(consent={"child_profile": True})
    active = ActiveFlow(flow_id=flow.id)
    state.flow = active
    before: tuple[int, int] | None = None
    while True:
        key = rng.choice(sorted(_FACTS))
        # A fact said in some message, at any point of the flow. A fact already heard is not said
        # again with another value: a parent who changes their mind ("给孩子办" then "我和孩子都办")
        # may rightly open a step, and then the total honestly grows by it.
        if rng.random() < 0.4 and key not in (state.heard or {}):
            state.heard = {**(state.heard or {}), key: rng.choice(_FACTS[key]), "turn": 0}
            told = {"newborn": "newborn_on", "age": "told_on"}.get(key)
            if told:
                state.heard[told] = DAY.isoformat()
        step = next_step(flow, active, state, DAY)
        if step is None:
            break
        active.step_id = step.id
        number, total = progress(flow, active, step, state, DAY)
        assert 1 <= number <= total
        if before is not None:
            assert number == before[0] + 1 and total <= before[1]
        before = (number, total)
        if step.type == StepType.choice:
            value: object = rng.choice(step.choices).value
        elif step.type == StepType.yes_no:
            value = rng.choice(["yes", "no"])
        elif step.type == StepType.age:
            value = rng.choice([0, 3, 8, 13, 16])
        elif step.type == StepType.place:
            value = {"province": "fujian", "city": "xiamen", "district": None}
        else:
            value = "2025-01-01" if step.type == StepType.date else 3
        active.answers[step.id] = value
        active.history.append(step.id)


def test_how_long_the_family_has_lived_here_is_not_heard_as_the_childs_age(
    chat: Callable[..., Chat],
) -> None:
    talk = chat()
    talk.say("帮我办居住证")
    talk.say("同意")
    talk.say("厦门")
    talk.say("我和孩子都办")
    talk.say("没有，四个月")  # at "住满半年了吗？": the family's time here, not a four-month-old
    assert talk.state.flow is not None and talk.state.flow.answers["lived_6_months"] == "no"
    assert "age" not in (talk.state.heard or {})
    talk.say("在这边上学")
    assert AGE_QUESTION in talk.text
