"""The kind of a crisis decides the numbers said first (dialogues/data/crisis_kinds.yaml): a medical
emergency gets 120 first and no advice of our own, violence against the parent names 12338 and 110,
a child in danger 110; near misses are no crisis at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.i18n import Translator
from core.tokenizer import Tokenizer
from dialogues.crisis_kind import CRISIS_KINDS_FILE, check_crisis_kinds, crisis_kinds
from dialogues.safety import crisis_replies, load_safety_net
from tests.datafile_edit import copy_to, line_of, replace_once

NUMBER = re.compile(r"(?<!\d)(110|120|12338|12355)(?!\d)")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("孩子发高烧40度抽筋了", "medical"),
        ("宝宝没有呼吸了", "medical"),
        ("女儿误食了洗衣凝珠", "medical"),
        ("孩子從陽台摔下來了", "medical"),
        ("my toddler is choking on a grape", "medical"),
        ("老公打我", "carer_violence"),
        ("他又动手了", "carer_violence"),
        ("被前夫打得起不来", "carer_violence"),
        ("my husband hits me", "carer_violence"),
        ("孩子说不想活了", "self_harm"),
        ("孩子吃了花生酱 喉咙肿起来 讲不出话", "medical"),
        ("he drank cleaning fluid", "medical"),
        ("他拿着刀说要跟我们同归于尽", "carer_violence"),
    ],
)
def test_the_words_of_a_situation_name_its_kind(tokenizer: Tokenizer, text: str, kind: str) -> None:
    assert crisis_kinds().named(tokenizer.normalize(text)) == kind


@pytest.mark.parametrize(
    "text",
    [
        "孩子发烧了能打疫苗吗",
        "摔了一跤医保能报吗",
        "打死我也不去",
        "孩子老是打我怎么办",
        "你打我电话吧",
        "暑假怎么防溺水",
        "烫伤膏小孩能用吗",
        "孩子小时候溺水过 现在怕水",
        "上个月烫伤住了几天院 能报多少",
        "之前误吃药洗过胃 现在好了",
        "小时候有过高热惊厥",
        "孩子的预防接种证丢了",
        "女儿的医保卡找不到了",
        "孩子丢了手机",
    ],
)
def test_near_misses_are_no_crisis(tokenizer: Tokenizer, text: str) -> None:
    normalized = tokenizer.normalize(text)
    assert crisis_kinds().named(normalized) is None
    assert not load_safety_net().matches(normalized)


@pytest.mark.parametrize(
    "text", ["孩子丢了", "娃在商场走丢了", "孩子放学没回家", "孩子不见了 证件也在他身上"]
)
def test_a_lost_child_still_meets_the_safety_net(tokenizer: Tokenizer, text: str) -> None:
    assert load_safety_net().matches(tokenizer.normalize(text))


def test_a_crisis_the_detector_flags_without_words_of_a_kind_takes_its_category_or_the_default() -> None:
    kinds = crisis_kinds()
    assert kinds.kind_of("他从楼上掉下去了 叫不醒", frozenset({"danger"})) == "medical"
    assert kinds.kind_of("孩子爬到窗台外面了", frozenset({"danger"})) == kinds.default  # no body in trouble
    assert kinds.kind_of("这日子过不下去了", frozenset({"self_harm"})) == "self_harm"
    assert kinds.kind_of("孩子被关在屋里", frozenset({"neglect"})) == "child_danger"


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_a_medical_emergency_names_120_before_any_other_number(locale: str) -> None:
    text = "\n".join(reply.text for reply in crisis_replies(Translator(locale), "medical", in_flow=False))
    assert NUMBER.findall(text)[0] == "120"


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_violence_against_the_parent_names_110_first_and_12338(locale: str) -> None:
    replies = crisis_replies(Translator(locale), "carer_violence", in_flow=False)
    text = "\n".join(reply.text for reply in replies)
    numbers = NUMBER.findall(text)
    assert numbers[0] == "110" and "12338" in numbers and "12355" in numbers


def test_the_shipped_kinds_file_has_no_problems() -> None:
    assert check_crisis_kinds()[1] == []


def test_an_unknown_detector_category_and_a_repeated_kind_are_reported_at_their_line(tmp_path: Path) -> None:
    path = copy_to(CRISIS_KINDS_FILE, tmp_path)
    replace_once(path, "    nlu: [danger]\n", "    nlu: [dangr]\n")
    replace_once(path, "  - id: self_harm\n", "  - id: medical\n")
    messages = [(problem.line, problem.message) for problem in check_crisis_kinds(path)[1]]
    assert (line_of(path, "  - id: medical"), "'dangr' is no category of the crisis detector") in messages
    assert any("listed twice" in message for _, message in messages)
