"""Scrubbing (bot/reports/scrub.py): no generated name, phone number, id number or plate survives,
whatever question it is written into; the question's own words stay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.scrub import ID_NUMBER, NAME, PHONE, PLACE, SURNAMES, scrub

GIVEN = "小明丽华伟芳娜静强磊军洋勇艳杰娟涛超秀英思琪子涵浩然梓萱"
QUESTIONS = ("孩子学钢琴有补贴吗", "孩子上学要什么材料", "医保怎么交", "居住证过期了怎么办", "孩子想学游泳")

names = st.builds(
    lambda surname, given: surname + given,
    st.sampled_from(list(SURNAMES)),
    st.text(alphabet=GIVEN, min_size=1, max_size=2),
)
phones = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
id_numbers = st.builds(
    lambda region, year, month, day, seq, check: f"{region}{year}{month:02d}{day:02d}{seq}{check}",
    st.text(alphabet="0123456789", min_size=6, max_size=6).filter(lambda s: s[0] != "0"),
    st.integers(1950, 2020),
    st.integers(1, 12),
    st.integers(1, 28),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.sampled_from("0123456789X"),
)
NAME_FORMS = ("我叫{}，", "{}女士，", "{}先生说", "孩子叫{}，", "{}的孩子", "{}想问：", "我女儿叫{}，")
NUMBER_FORMS = ("电话{}，", "打我电话{}", "身份证{}，", "号码是{}。", "{}")


@given(names, phones, id_numbers, st.sampled_from(NAME_FORMS), st.sampled_from(QUESTIONS))
@settings(max_examples=300, deadline=None)
def test_no_name_phone_or_id_number_survives(
    name: str, phone: str, number: str, form: str, question: str
) -> None:
    text = form.format(name) + f"电话{phone}，身份证{number}，{question}"
    scrubbed = scrub(text)
    assert name not in scrubbed
    assert phone not in scrubbed
    assert number not in scrubbed
    assert question in scrubbed


@given(st.one_of(phones, id_numbers), st.sampled_from(NUMBER_FORMS), st.sampled_from(QUESTIONS))
@settings(max_examples=200, deadline=None)
def test_a_number_anywhere_in_a_question_is_removed(number: str, form: str, question: str) -> None:
    scrubbed = scrub(question + form.format(number))
    assert number not in scrubbed
    assert not any(digit * 5 in scrubbed for digit in "0123456789")


def test_places_addresses_and_plates_are_replaced_and_the_question_stays() -> None:
    text = "我们住在厦门市思明区金尚路88号3栋502室，车牌闽D12345，孩子上学要什么材料"
    scrubbed = scrub(text, ["厦门", "思明"])
    for gone in ("厦门", "思明", "金尚路", "88号", "502室", "闽D12345"):
        assert gone not in scrubbed
    assert "孩子上学要什么材料" in scrubbed
    assert PLACE in scrubbed


def test_what_is_removed_is_named() -> None:
    assert scrub("我叫王小明，电话13812345678") == f"我叫{NAME}，电话{PHONE}"
    assert scrub("身份证350203199001011234") == f"身份证{ID_NUMBER}"


# the synthetic month's names (tests/bot/reports/synthetic.py): a surname and two given characters
SYNTHETIC_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑"
SYNTHETIC_GIVEN = "小明丽华伟芳娜静强磊军洋勇艳杰娟涛超秀英"
synthetic_names = st.builds(
    lambda surname, given: surname + "".join(given),
    st.sampled_from(list(SYNTHETIC_SURNAMES)),
    st.lists(st.sampled_from(list(SYNTHETIC_GIVEN)), min_size=2, max_size=2, unique=True),
)
BARE_FORMS = ("{}，", "{}：", "我是{}，", "{}的孩子，", "{}问：")
POLICY_QUESTIONS = (
    "孩子上幼儿园有补助吗",
    "居住证过期了怎么办",
    "医保怎么交",
    "义务教育阶段能在这里入学吗",
    "孩子康复训练有补贴吗",
    "能办低保吗",
)
POLICY_TERMS = ("居住证", "医保", "幼儿园", "义务教育", "康复", "低保", "入学", "补贴", "补助")


@given(synthetic_names, st.sampled_from(BARE_FORMS), st.sampled_from(POLICY_QUESTIONS))
@settings(max_examples=300, deadline=None)
def test_a_bare_name_of_the_synthetic_set_is_removed_and_the_policy_words_stay(
    name: str, form: str, question: str
) -> None:
    scrubbed = scrub(form.format(name) + question)
    assert name not in scrubbed
    assert question in scrubbed


def test_a_bare_name_with_no_cue_word_is_removed() -> None:
    assert scrub("张伟的孩子能上学吗") == f"{NAME}的孩子能上学吗"
    assert scrub("王明丽能上学吗") == f"{NAME}能上学吗"
    assert scrub("黄华丽幼儿园报名") == f"{NAME}幼儿园报名"
    assert scrub("孩子王小丽要上幼儿园") == f"孩子{NAME}要上幼儿园"


@given(st.sampled_from(POLICY_QUESTIONS), st.sampled_from(("孩子", "我家孩子", "请问", "")))
def test_policy_words_jieba_tags_as_names_are_never_taken_for_names(question: str, lead: str) -> None:
    scrubbed = scrub(lead + question)
    assert NAME not in scrubbed
    for term in POLICY_TERMS:
        assert (term in question) == (term in scrubbed)


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("王超强，孩子上幼儿园有补助吗", "[姓名]，孩子上幼儿园有补助吗"),
        ("你好。李娜问：医保怎么交", "你好。[姓名]问：医保怎么交"),
        ("我是张伟，居住证过期了怎么办", "我是[姓名]，居住证过期了怎么办"),
        ("高考，孩子能在这里考吗", "高考，孩子能在这里考吗"),
        ("医保，怎么交", "医保，怎么交"),
    ],
)
def test_a_name_that_signs_a_message_is_removed_and_a_word_in_its_place_is_not(
    text: str, scrubbed: str
) -> None:
    assert scrub(text) == scrubbed
