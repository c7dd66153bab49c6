"""Follow-ups in context (dialogues/followup.py): a short or elliptic message after an answer is
read against it; a full new question is not; an aspect the answer has nothing on is said so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dialogues.collecting import Chat
from dialogues.followup import check_followups, followups
from dialogues.state import Place, State

XIAMEN = Place(province="fujian", city="xiamen")


def _after_answer(
    chat: Callable[..., Chat], question: str = "孩子想上幼儿园", locale: str = "zh_Hans"
) -> Chat:
    talk = chat(state=State(locale=locale, residence=XIAMEN))
    talk.say(question)
    assert talk.state.last_shown == ["brief"]
    return talk


@pytest.mark.parametrize(
    ("message", "aspect"),
    [
        ("那要钱吗", "cost"),
        ("那要錢嗎", "cost"),
        ("一个月多少钱", "cost"),
        ("要带什么", "documents"),
        ("要帶什麼", "documents"),
        ("what documents?", "documents"),
        ("在哪办", "where"),
        ("where do i go", "where"),
        ("多久能办好", "time"),
        ("how long does it take", "time"),
        ("咋申请", "how"),
        ("how to apply", "how"),
        ("要啥条件", "eligibility"),
    ],
)
def test_the_aspect_a_follow_up_asks_about_is_found_in_every_language(message: str, aspect: str) -> None:
    found = followups().aspect_in(message, message)
    assert found is not None and found.id == aspect


@pytest.mark.parametrize(
    ("message", "stage"),
    [
        ("那高中呢", "senior_high"),
        ("那國中呢", "junior_middle"),
        ("what about middle school", "junior_middle"),
    ],
)
def test_the_stage_of_school_a_follow_up_names_is_found(message: str, stage: str) -> None:
    assert followups().stage_in(message) == stage


@pytest.mark.parametrize(
    ("message", "elliptic"),
    [
        ("那要钱吗", True),
        ("what documents?", True),
        ("那个幼儿园一个月大概要交多少钱呀", True),
        ("我们家孩子今年九月想在厦门上公办小学，要准备什么", False),
        ("and kindergarten?", True),
        ("android phones cannot open the page you sent me yesterday", False),
    ],
)
def test_a_message_is_elliptic_when_short_or_referring_back(message: str, elliptic: bool) -> None:
    assert followups().elliptic(message) is elliptic


def test_that_costs_money_after_an_answer_shows_what_the_source_says_of_money(
    chat: Callable[..., Chat],
) -> None:
    talk = _after_answer(chat)
    talk.say("那要钱吗")
    assert "资助" in talk.text and "依据的文件是这样写的" in talk.text
    assert talk.state.last_service == "fj_02_preschool" and talk.state.last_shown == ["brief", "cost"]


def test_the_same_question_again_shows_the_part_it_asks_not_the_same_answer(
    chat: Callable[..., Chat],
) -> None:
    talk = _after_answer(chat, "幼儿园一个月要多少钱啊")
    first = talk.text
    talk.say("幼儿园一个月要多少钱啊")
    assert talk.text != first and "资助" in talk.text


def test_an_aspect_already_shown_is_not_repeated_and_a_person_is_offered(chat: Callable[..., Chat]) -> None:
    talk = _after_answer(chat)
    talk.say("要带什么")
    shown = talk.text
    talk.say("要带啥材料")
    assert talk.text != shown and "全部信息" in talk.text and "找社工" in talk.labels


def test_an_aspect_the_answer_says_nothing_about_is_said_so_with_a_person(chat: Callable[..., Chat]) -> None:
    talk = _after_answer(chat, "孩子想参加城市融入活动")
    service = talk.state.last_service
    talk.say("多久能办好")
    assert talk.state.last_service == service
    if "依据的文件没有写这一点" in talk.text:  # nothing on time in this item: nothing made up
        assert "RecordGap" in talk.effects and talk.labels[0] == "找社工"
    else:
        assert "依据的文件是这样写的" in talk.text


def test_another_stage_of_school_answers_that_stage_service(chat: Callable[..., Chat]) -> None:
    talk = _after_answer(chat)
    talk.say("那高中呢")
    assert talk.state.last_service == "fj_04_high_school" and talk.state.last_shown == ["brief"]
    talk.say("那初中呢")
    assert talk.state.last_service == "fj_03_compulsory_education"


def test_a_full_new_question_goes_to_the_normal_understanding(chat: Callable[..., Chat]) -> None:
    talk = _after_answer(chat)
    talk.say("孩子上学怎么报名")
    assert talk.state.last_service != "fj_02_preschool" or talk.state.pending is not None
    assert talk.state.last_shown != ["brief", "how"]


def test_a_follow_up_while_a_flow_is_offered_is_read_against_the_flow(chat: Callable[..., Chat]) -> None:
    talk = chat(state=State(residence=XIAMEN))
    talk.say("我想给孩子办居住证")
    assert talk.state.pending is not None and talk.state.pending.kind == "consent"
    talk.say("要带什么")
    assert talk.state.last_shown[-1] == "bring" and "要带：" in talk.text
    assert talk.state.pending is not None and talk.state.pending.kind == "consent"  # still asked


def test_a_follow_up_inside_a_flow_answers_then_asks_the_same_step_again(chat: Callable[..., Chat]) -> None:
    talk = chat(state=State(residence=XIAMEN))
    talk.say("我想给孩子办居住证")
    talk.say("同意")
    step = talk.state.flow.step_id if talk.state.flow else None
    talk.say("要带什么")
    assert "我们接着刚才的步骤" in talk.text and talk.state.flow is not None
    assert talk.state.flow.step_id == step


def test_a_broken_followups_file_fails_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "followups.yaml"
    text = Path("dialogues/data/followups.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("    part: where\n", "    part: somewhere\n"), encoding="utf-8")
    loaded, problems = check_followups(broken)
    assert loaded is None and problems and "somewhere" in problems[0].message
