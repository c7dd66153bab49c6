"""The answer to "孩子现在安全吗？你们在哪个城市、哪个区？" read in the parent's own words
(dialogues/data/crisis_followup.yaml): negation, doubt, Traditional and English; with whom; the
place at any level."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.lexicon import Lexicon
from core.tokenizer import Tokenizer
from dialogues.crisis_followup import FOLLOWUP_FILE, check_followup_words, followup_words, read_followup
from tests.datafile_edit import copy_to, line_of, replace_once


def _read(lexicon: Lexicon, tokenizer: Tokenizer, text: str):  # type: ignore[no-untyped-def]
    return read_followup(followup_words(), lexicon, tokenizer.normalize(text))


@pytest.mark.parametrize(
    ("text", "safety"),
    [
        ("安全", "safe"),
        ("暂时没事", "safe"),
        ("现在在家 暂时没事", "safe"),
        ("没有不安全 他已经走了", "safe"),
        ("現在安全了", "safe"),
        ("she's safe now", "safe"),
        ("不安全", "unsafe"),
        ("还在打", "unsafe"),
        ("他还在家", "unsafe"),
        ("還不安全", "unsafe"),
        ("not safe", "unsafe"),
        ("还没 他在门口", "unsafe"),
        ("应该没事了吧", "unknown"),
        ("好像安全了", "unknown"),
        ("i think she's ok", "unknown"),
        ("我不知道怎么办", "unknown"),
    ],
)
def test_safe_or_not_with_negation_and_doubt(
    lexicon: Lexicon, tokenizer: Tokenizer, text: str, safety: str
) -> None:
    assert _read(lexicon, tokenizer, text).safety == safety


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("娃跟我在一起 在我姐家 鼓楼区", ("fujian", "fuzhou", "gulou")),
        ("我们在厦门湖里区", ("fujian", "xiamen", "huli")),
        ("廈門思明區", ("fujian", "xiamen", "siming")),
        ("在海口", ("hainan", "haikou", None)),
    ],
)
def test_the_place_at_any_level(
    lexicon: Lexicon, tokenizer: Tokenizer, text: str, place: tuple[str, ...]
) -> None:
    found = _read(lexicon, tokenizer, text).place
    assert found is not None
    assert (found.province, found.city, found.id if found.kind == "district" else None) == place


@pytest.mark.parametrize(
    "text", ["娃跟我在一起", "在我姐家", "孩子在奶奶家", "she is with me", "at my sister's place"]
)
def test_with_whom_is_heard_and_says_nothing_of_safety(
    lexicon: Lexicon, tokenizer: Tokenizer, text: str
) -> None:
    answer = _read(lexicon, tokenizer, text)
    assert answer.with_whom is not None and answer.safety == "unknown" and answer.understood


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="的了是吗呢啊嗯哦好谢 ", max_size=8))
def test_words_about_nothing_are_not_understood(lexicon: Lexicon, tokenizer: Tokenizer, text: str) -> None:
    answer = _read(lexicon, tokenizer, text)
    assert not answer.understood
    assert (answer.safety, answer.place, answer.with_whom) == ("unknown", None, None)


def test_the_shipped_words_file_loads_and_a_bad_regex_is_reported_at_its_line(tmp_path: Path) -> None:
    assert check_followup_words()[1] == []
    path = copy_to(FOLLOWUP_FILE, tmp_path)
    replace_once(path, "  - 应该|好像", "  - (应该|好像")
    problems = check_followup_words(path)[1]
    assert [(problem.line, "does not compile" in problem.message) for problem in problems] == [
        (line_of(path, "(应该|好像"), True)
    ]
