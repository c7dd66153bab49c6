"""The related topics offered after an answer, in memory: those a parent looks for next, never an
alarming one (mandatory reporting, severe mental disorder...) unless the message is about it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from dialogues.collecting import Chat
from dialogues.related import related_topics
from dialogues.rules import RULES_FILE, check_rules, load_rules
from dialogues.state import Place, State

ALARMING = ("孩子受侵害必须报告", "严重精神障碍健康管理", "孤儿")


def in_xiamen(chat: Callable[..., Chat]) -> Chat:
    return chat(state=State(residence=Place(province="fujian", city="xiamen")))


@pytest.mark.parametrize("message", ["幼儿园一个月要交多少钱", "😭😭😭🙏", "我们家搬到厦门了"])
def test_nothing_alarming_is_offered_unless_the_message_is_about_it(
    chat: Callable[..., Chat], message: str
) -> None:
    talk = in_xiamen(chat)
    talk.say(message)
    offered = " ".join(talk.labels)
    assert talk.labels and not any(word in offered for word in ALARMING), talk.labels


def test_after_a_kindergarten_answer_what_a_parent_looks_for_next(chat: Callable[..., Chat]) -> None:
    talk = in_xiamen(chat)
    talk.say("幼儿园一个月要交多少钱")
    assert "【就近上普惠幼儿园】" in talk.text
    assert "0-6岁健康检查、打疫苗、托育" in talk.labels and "上小学、初中" in talk.labels


def test_a_message_about_abuse_still_gets_mandatory_reporting(chat: Callable[..., Chat]) -> None:
    talk = in_xiamen(chat)
    talk.say("孩子在学校受侵害 老师要报告吗")
    assert "【孩子受侵害必须报告】" in talk.text
    assert "家庭教育和监护支持" in talk.labels  # and what a parent looks for next after it


def test_an_alarming_topic_ranked_second_is_offered_first_when_the_message_is_about_it(
    lexicon: Lexicon, taxonomy: Taxonomy
) -> None:
    related = load_rules(lexicon, taxonomy).related
    ranked = ["compulsory_education", "mandatory_reporting", "housing_support"]
    assert related_topics(related, "compulsory_education", ranked, "孩子在学校受侵害怎么办", None) == [
        "mandatory_reporting",
        "residence_permit",
    ]
    assert related_topics(related, "compulsory_education", ranked, "孩子在学校怎么办", None) == [
        "residence_permit",
        "school_transport",
    ]


def test_a_related_topic_rule_is_checked_against_the_taxonomy(
    lexicon: Lexicon, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    text = RULES_FILE.read_text(encoding="utf-8")
    copy = tmp_path / "rules.yaml"
    copy.write_text(
        text.replace("preschool: [child_health_0_6,", "preschool: [mandatory_reporting, child_healt_0_6,"),
        encoding="utf-8",
    )
    line = next(n for n, row in enumerate(copy.read_text().splitlines(), 1) if "preschool: [mandatory" in row)
    rules, problems = check_rules(lexicon, taxonomy, copy)
    assert rules is None
    assert [(p.line, p.message) for p in problems] == [
        (line, "'mandatory_reporting' is offered only when asked about"),
        (line, "unknown topic 'child_healt_0_6'"),
    ]
