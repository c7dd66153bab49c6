"""The entity extractor names every city and county-level unit of Fujian and Hainan in Simplified,
Traditional and pinyin, and the places outside both provinces."""

from __future__ import annotations

import pytest
from opencc import OpenCC

from core.lexicon import Place, load_lexicon
from nlu.extractor import EntityExtractor

LEXICON = load_lexicon()
S2T = OpenCC("s2t")
CANONICAL = sorted(
    {
        (place.kind, place.id): LEXICON.place_by_id[(place.kind, place.id)]
        for place in LEXICON.places
        if place.kind != "province"
    }.values(),
    key=lambda place: (place.kind, place.id),
)
PINYIN = [place for place in LEXICON.places if place.kind != "province" and place.name.isascii()]


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(LEXICON)


def places(extractor: EntityExtractor, text: str) -> list[tuple[str, object, str | None]]:
    return [
        (entity.name, entity.value, entity.role)
        for entity in extractor.extract(text)
        if entity.name in {"province", "city", "district"}
    ]


def ids(place: Place) -> str:
    return f"{place.kind}-{place.id}-{place.name}"


@pytest.mark.parametrize("place", CANONICAL, ids=ids)
def test_simplified_and_traditional(place: Place, extractor: EntityExtractor) -> None:
    text = f"我们现在住在{place.name} 孩子上学怎么办"
    assert places(extractor, text) == [(place.kind, place.id, "residence")]
    assert places(extractor, S2T.convert(text)) == [(place.kind, place.id, "residence")]


@pytest.mark.parametrize("place", PINYIN, ids=ids)
def test_pinyin(place: Place, extractor: EntityExtractor) -> None:
    assert [
        (kind, value) for kind, value, _ in places(extractor, f"We live in {place.name.capitalize()} now")
    ] == [(place.kind, place.id)]


def test_the_places_of_the_issue(extractor: EntityExtractor) -> None:
    assert places(extractor, "我在晋江打工") == [("district", "jinjiang", "residence")]
    assert LEXICON.place_by_id[("district", "jinjiang")].city == "quanzhou"
    assert places(extractor, "儋州") == [("city", "danzhou", None)]
    assert places(extractor, "海口") == [("city", "haikou", None)]
    assert places(extractor, "廈門思明區") == [("city", "xiamen", None), ("district", "siming", None)]
    assert places(extractor, "我们在广州") == [("city", "guangzhou", "residence")]
    assert LEXICON.place_by_id[("city", "guangzhou")].province == "guangdong"


def test_pinyin_is_a_whole_word(extractor: EntityExtractor) -> None:
    assert places(extractor, "I am anxious, my son is 8") == []
    assert [value for _, value, _ in places(extractor, "we moved to Jinjiang City")] == ["jinjiang"]
