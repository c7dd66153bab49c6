"""The parent's words about vaccination reminders: the doses given (from the booklet), the answer to a
due reminder, and managing reminders; read from dialogues/data/vaccine_reminders.yaml."""

from __future__ import annotations

from datetime import date

import pytest

from core.lexicon import Lexicon
from core.tokenizer import Tokenizer
from dialogues.dose_reading import given_doses, read_doses
from dialogues.reminder_words import check_reminder_words, reminder_words
from reminders.schedule import load_schedule

BIRTH = date(2026, 3, 10)
TODAY = date(2026, 11, 22)


def _given(text: str, lexicon: Lexicon, tokenizer: Tokenizer) -> set[str]:
    words = reminder_words()
    said = read_doses(words, lexicon.entity_values["vaccine"], text, tokenizer.normalize(text))
    return set(given_doses(said, words, load_schedule(), BIRTH, TODAY))


def test_the_data_file_is_valid() -> None:
    assert check_reminder_words()[1] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("乙肝打了两针", {"hepb:1", "hepb:2"}),
        ("乙肝打了2针，卡介苗也打了", {"hepb:1", "hepb:2", "bcg:1"}),
        ("乙肝和卡介苗都打了", {"hepb:1", "hepb:2", "hepb:3", "bcg:1"}),  # every dose due so far
        ("只打了出生那两针", {"hepb:1", "bcg:1"}),
        ("一针都没打", set()),
        ("打了两针乙肝", {"hepb:1", "hepb:2"}),
        ("乙肝打過兩針", {"hepb:1", "hepb:2"}),
        ("hep b two doses", {"hepb:1", "hepb:2"}),
    ],
)
def test_doses_said_in_words_are_the_doses_given(
    text: str, expected: set[str], lexicon: Lexicon, tokenizer: Tokenizer
) -> None:
    assert _given(text, lexicon, tokenizer) == expected


def test_all_on_time_is_every_dose_due_so_far_and_a_named_exception_is_taken_out(
    lexicon: Lexicon, tokenizer: Tokenizer
) -> None:
    everything = _given("都按时打了", lexicon, tokenizer)
    assert {"hepb:1", "hepb:2", "bcg:1", "dtap:1", "dtap:2"} <= everything
    assert "mmr:1" in everything and "hepa_l:1" not in everything  # 8 months old, not 18
    but = _given("都按时打了，就是百白破第三针还没打", lexicon, tokenizer)
    assert but == {key for key in everything if key != "dtap:3"}


def test_nothing_understood_is_no_reading(lexicon: Lexicon, tokenizer: Tokenizer) -> None:
    words = reminder_words()
    said = read_doses(words, lexicon.entity_values["vaccine"], "你好", "你好")
    assert not said.understood


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("打了", "done"),
        ("已经打过了", "done"),
        ("还没打", "later"),
        ("过几天再说", "later"),
        ("remind me later", "later"),
        ("别提醒了", "stop"),
        ("done", "done"),
        ("已接種", "done"),
        ("今天天气不错", None),
    ],
)
def test_answers_to_a_due_reminder_in_words(text: str, expected: str | None, tokenizer: Tokenizer) -> None:
    assert reminder_words().reminder_answer(text, tokenizer.normalize(text)) == expected


@pytest.mark.parametrize(
    ("text", "action", "kinds"),
    [
        ("有哪些提醒", "list", ()),
        ("疫苗提醒先停一下", "pause", ("vaccine",)),
        ("恢复居住证提醒", "resume", ("renewal",)),
        ("不要再提醒我打疫苗了", "stop", ("vaccine",)),
    ],
)
def test_managing_reminders_in_words(
    text: str, action: str, kinds: tuple[str, ...], tokenizer: Tokenizer
) -> None:
    words = reminder_words()
    normalized = tokenizer.normalize(text)
    assert words.manage_action(text, normalized) == action
    assert words.kinds_named(text, normalized) == kinds
