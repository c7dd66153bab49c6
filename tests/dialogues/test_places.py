"""Every city and county-level unit of Fujian and Hainan is found by find_places (the place step and
the fallback of a free message) in Simplified, Traditional and pinyin; a place outside both
provinces is found too, after the covered ones."""

from __future__ import annotations

import pytest
from opencc import OpenCC

from core.lexicon import Lexicon, Place, load_lexicon
from core.tokenizer import Tokenizer
from dialogues.slot import find_places, read_place

LEXICON = load_lexicon()
S2T = OpenCC("s2t")
COVERED = sorted(
    {(place.kind, place.id): place for place in LEXICON.places if place.kind != "province"}.values(),
    key=lambda place: (place.kind, place.id),
)
CANONICAL = [LEXICON.place_by_id[(place.kind, place.id)] for place in COVERED]
PINYIN = [place for place in LEXICON.places if place.kind != "province" and place.name.isascii()]
# pinyin another major place also has (jinan: 济南; nanjing: 南京; licheng: both 鲤城 and 荔城)
NO_PINYIN = {"licheng_qz", "licheng_pt", "nanjing_zz"}


def ids(place: Place) -> str:
    return f"{place.kind}-{place.id}-{place.name}"


def test_the_places_cover_both_provinces() -> None:
    cities = {place.id for place in CANONICAL if place.kind == "city"}
    assert {
        "fuzhou",
        "xiamen",
        "putian",
        "sanming",
        "quanzhou",
        "zhangzhou",
        "nanping",
        "longyan",
        "ningde",
    } < cities
    assert {"haikou", "sanya", "sansha", "danzhou", "qionghai", "wenchang", "qiongzhong"} < cities
    fujian_units = [place for place in CANONICAL if place.province == "fujian" and place.kind == "district"]
    # every 区, 县级市 and 县 of the 9 设区市: 84 county-level units less 平潭 (a city) and 金门 (kept apart)
    assert len(fujian_units) == 82
    assert all(place.city for place in CANONICAL)


def test_every_place_but_a_few_has_a_pinyin_name() -> None:
    named = {(place.kind, place.id) for place in PINYIN}
    missing = {place.id for place in CANONICAL if (place.kind, place.id) not in named}
    assert missing == NO_PINYIN


@pytest.mark.parametrize("place", CANONICAL, ids=ids)
def test_found_in_simplified_and_traditional(place: Place, tokenizer: Tokenizer) -> None:
    for text in (f"我们住在{place.name}", S2T.convert(f"我们住在{place.name}"), place.name):
        found = find_places(LEXICON, tokenizer.normalize(text))
        assert found and (found[0].kind, found[0].id) == (place.kind, place.id), text
        assert found[0].province in {"fujian", "hainan"} and found[0].city == place.city


@pytest.mark.parametrize("place", PINYIN, ids=ids)
def test_found_in_pinyin(place: Place, tokenizer: Tokenizer) -> None:
    for text in (f"We live in {place.name.capitalize()}", place.name.upper()):
        found = find_places(LEXICON, tokenizer.normalize(text))
        assert found and (found[0].kind, found[0].id) == (place.kind, place.id), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("晋江", {"province": "fujian", "city": "quanzhou", "district": "jinjiang"}),
        ("晉江市", {"province": "fujian", "city": "quanzhou", "district": "jinjiang"}),
        ("儋州", {"province": "hainan", "city": "danzhou", "district": None}),
        ("海口", {"province": "hainan", "city": "haikou", "district": None}),
        ("廈門思明區", {"province": "fujian", "city": "xiamen", "district": "siming"}),
        ("琼海", {"province": "hainan", "city": "qionghai", "district": None}),
        ("保亭黎族苗族自治县", {"province": "hainan", "city": "baoting", "district": None}),
        ("平潭", {"province": "fujian", "city": "pingtan", "district": None}),
        ("广州", {"province": "guangdong", "city": "guangzhou", "district": None}),
        ("上海", {"province": "shanghai", "city": None, "district": None}),
    ],
)
def test_a_place_answer_is_read_at_every_level(
    text: str, expected: dict[str, str | None], tokenizer: Tokenizer
) -> None:
    assert read_place(LEXICON, tokenizer.normalize(text)).value == expected


def test_covered_places_come_first_and_pinyin_is_a_whole_word(lexicon: Lexicon, tokenizer: Tokenizer) -> None:
    found = find_places(lexicon, tokenizer.normalize("从广州搬到厦门"))
    assert [place.id for place in found] == ["xiamen", "guangzhou"]
    assert find_places(lexicon, tokenizer.normalize("I am anxious about my son")) == []
