"""Entities as parents write them: ages, birth dates, places with roles, school, children, vaccines."""

from __future__ import annotations

from datetime import date

import pytest

from core.lexicon import Lexicon
from nlu.extractor import EntityExtractor
from nlu.numeral import to_number

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def extractor(lexicon: Lexicon) -> EntityExtractor:
    return EntityExtractor(lexicon)


def values(extractor: EntityExtractor, text: str, name: str) -> list[object]:
    return [entity.value for entity in extractor.extract(text, TODAY) if entity.name == name]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("5", 5),
        ("十", 10),
        ("十二", 12),
        ("二十三", 23),
        ("两", 2),
        ("一百零五", 105),
        ("二三", 23),
        ("5.5", 5.5),
    ],
)
def test_chinese_numerals_convert(text: str, number: float) -> None:
    assert to_number(text) == number


def test_non_numerals_are_none() -> None:
    assert to_number("") is None
    assert to_number("岁") is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("孩子5岁了", 5.0),
        ("五岁半", 5.5),
        ("刚满三个月", 0.25),
        ("宝宝8个月大", 0.67),
        ("一岁半的娃", 1.5),
        ("两岁半", 2.5),
        ("1岁3个月", 1.25),
    ],
)
def test_ages_are_years_as_float(extractor: EntityExtractor, text: str, age: float) -> None:
    assert values(extractor, text, "age") == [age]


def test_next_years_first_grade_is_an_estimated_age_that_says_so(extractor: EntityExtractor) -> None:
    [entity] = [e for e in extractor.extract("孩子明年上一年级", TODAY) if e.name == "age"]
    assert 5 <= float(entity.value) <= 6
    assert entity.note and "5-6" in entity.note


def test_a_parents_age_and_a_length_of_stay_are_not_the_childs_age(extractor: EntityExtractor) -> None:
    assert values(extractor, "我30岁 孩子两岁", "age") == [2.0]
    assert values(extractor, "来厦门三个月了 孩子6个月", "age") == [0.5]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2023.5.6出生的", "2023-05-06"),
        ("生日是2023-05-06", "2023-05-06"),
        ("23年5月6号生的", "2023-05-06"),
        ("去年十月份生的", "2025-10-01"),
        ("2022年10月出生", "2022-10-01"),
        ("民國108年4月3日生", "2019-04-03"),
        ("去年十二月底出生的", "2025-12-25"),
        ("born on 2 June 2013", "2013-06-02"),
        ("he was born Jan 2021", "2021-01-01"),
        ("her birthday is 15/12/2016", "2016-12-15"),
        ("born 4/28/2019", "2019-04-28"),
        ("March last year", "2025-03-01"),
    ],
)
def test_birth_dates_become_iso_dates_relative_to_today(
    extractor: EntityExtractor, text: str, iso: str
) -> None:
    assert values(extractor, text, "birth_date") == [iso]


def test_an_arrival_month_is_not_a_birth_date(extractor: EntityExtractor) -> None:
    assert values(extractor, "去年十月份来的厦门", "birth_date") == []
    assert values(extractor, "去年十月份来的厦门", "date") == ["2025-10-01"]


def test_a_day_and_month_that_could_be_either_are_not_guessed(extractor: EntityExtractor) -> None:
    assert values(extractor, "born 5/6/2016", "birth_date") == []


@pytest.mark.parametrize(("text", "iso"), [("两个月前", "2026-09-22"), ("大概半年前", "2026-05-22")])
def test_a_time_ago_is_the_date_that_long_before_today(
    extractor: EntityExtractor, text: str, iso: str
) -> None:
    assert values(extractor, text, "date") == [iso]


def test_about_to_turn_six_is_five_and_more(extractor: EntityExtractor) -> None:
    assert values(extractor, "快6岁了", "age") == [5.5]


def test_places_carry_hukou_and_residence_roles(extractor: EntityExtractor) -> None:
    text = "老家四川南充的 现在在厦门湖里"
    found = [(e.name, e.value, e.role) for e in extractor.extract(text, TODAY)]
    assert found == [
        ("province", "sichuan", "hukou"),
        ("city", "nanchong", "hukou"),
        ("city", "xiamen", "residence"),
        ("district", "huli", "residence"),
    ]
    for entity in extractor.extract(text, TODAY):
        assert text[entity.start : entity.end] == entity.text


def test_hukou_cue_with_zai_and_traditional_text(extractor: EntityExtractor) -> None:
    found = [(e.value, e.role) for e in extractor.extract("户口在河南周口 在泉州打工", TODAY)]
    assert found == [("henan", "hukou"), ("zhoukou", "hukou"), ("quanzhou", "residence")]
    trad = [(e.value, e.role, e.text) for e in extractor.extract("從四川過來 住在福州鼓樓區", TODAY)]
    assert trad == [
        ("sichuan", "hukou", "四川"),
        ("fuzhou", "residence", "福州"),
        ("gulou", "residence", "鼓樓區"),
    ]


def test_ambiguous_place_names_need_a_cue(extractor: EntityExtractor) -> None:
    assert values(extractor, "东方明珠好看吗", "city") == []
    assert values(extractor, "住在东方市", "city") == ["dongfang"]


def test_stage_grade_and_number_of_children(extractor: EntityExtractor) -> None:
    text = "两个孩子 老大上三年级 老二在幼儿园中班"
    assert values(extractor, text, "child_count") == [2]
    assert values(extractor, text, "grade") == ["primary_3", "kindergarten_middle"]
    assert values(extractor, text, "stage") == ["preschool"]
    assert values(extractor, "老大老二老三都要打疫苗", "child_count") == [3]
    assert values(extractor, "初二了 想在这边中考", "grade") == ["junior_2"]
    assert values(extractor, "读中专有补助吗", "stage") == ["vocational"]


def test_vaccine_names_map_to_taxonomy_ids(extractor: EntityExtractor) -> None:
    assert values(extractor, "乙肝和百白破 还有糖丸 麻腮风", "vaccine") == ["hepb", "dtap", "bopv", "mmr"]
