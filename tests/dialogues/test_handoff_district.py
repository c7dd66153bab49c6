"""Asking the district before a ticket opens (dialogues/handoff.py, dialogues/district.py): only
when the city is known and has districts in the place data; buttons from that data; typed words
matched ("思明区", "思明", "我在湖里", pinyin); "不清楚" and words that name no district open the ticket
at the city's level; a crisis never waits for the question."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialogues.collecting import Chat
from dialogues.effect import OpenHandoff


def tickets(talk: Chat) -> list[OpenHandoff]:
    return [effect for effect in talk.last.effects if isinstance(effect, OpenHandoff)]


def asked_for_a_person(chat: Callable[..., Chat], *first: str) -> Chat:
    talk = chat()
    for words in first:
        talk.say(words)
    talk.say("/human")
    talk.press("可以")
    return talk


def test_a_request_with_only_the_city_known_asks_the_district_with_its_districts_as_buttons(
    chat: Callable[..., Chat],
) -> None:
    talk = asked_for_a_person(chat, "我在厦门")
    assert tickets(talk) == []
    assert "哪个区" in talk.text
    assert talk.labels == ["思明", "湖里", "集美", "海沧", "同安", "翔安", "不清楚"]
    talk.press("湖里")
    opened = tickets(talk)
    assert len(opened) == 1 and (opened[0].city, opened[0].district) == ("xiamen", "huli")
    assert opened[0].urgency == "normal"
    assert "转给社工" in talk.text


@pytest.mark.parametrize(
    ("typed", "district"),
    [("思明区", "siming"), ("思明", "siming"), ("我在湖里", "huli"), ("jimei", "jimei")],
)
def test_typed_words_name_the_district(chat: Callable[..., Chat], typed: str, district: str) -> None:
    talk = asked_for_a_person(chat, "我在厦门")
    talk.say(typed)
    opened = tickets(talk)
    assert len(opened) == 1 and opened[0].district == district and opened[0].city == "xiamen"
    assert talk.state.residence.district == district  # remembered: not asked again next time


def test_not_sure_opens_the_ticket_at_the_citys_level(chat: Callable[..., Chat]) -> None:
    talk = asked_for_a_person(chat, "我在厦门")
    talk.press("不清楚")
    opened = tickets(talk)
    assert len(opened) == 1 and (opened[0].city, opened[0].district) == ("xiamen", None)
    assert "市里的社工" in talk.text


def test_words_that_name_no_district_still_open_the_ticket_at_the_citys_level(
    chat: Callable[..., Chat],
) -> None:
    talk = asked_for_a_person(chat, "我在厦门")
    talk.say("不知道叫什么，在一个城中村")
    opened = tickets(talk)
    assert len(opened) == 1 and opened[0].district is None and opened[0].city == "xiamen"


def test_a_known_district_is_not_asked_again(chat: Callable[..., Chat]) -> None:
    talk = asked_for_a_person(chat, "我在厦门思明区")
    opened = tickets(talk)
    assert len(opened) == 1 and opened[0].district == "siming"


def test_a_city_without_districts_in_the_place_data_opens_at_once(chat: Callable[..., Chat]) -> None:
    talk = asked_for_a_person(chat, "我在儋州")
    opened = tickets(talk)
    assert len(opened) == 1 and (opened[0].city, opened[0].district) == ("danzhou", None)


def test_an_unknown_city_is_not_asked_about(chat: Callable[..., Chat]) -> None:
    talk = asked_for_a_person(chat)
    assert len(tickets(talk)) == 1


def test_a_crisis_while_the_district_is_asked_opens_an_urgent_ticket_at_once(
    chat: Callable[..., Chat],
) -> None:
    talk = asked_for_a_person(chat, "我在厦门")
    talk.say("他爸又打孩子了，孩子身上都是伤")
    opened = tickets(talk)
    assert len(opened) == 1 and opened[0].urgency == "urgent"
    assert (opened[0].city, opened[0].district) == ("xiamen", None)
    assert "110" in talk.text
