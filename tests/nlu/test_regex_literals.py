"""Required literals: a pattern is skipped only when it cannot match, proven on generated patterns
and texts, and on the shipped crisis patterns over every line we have."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tokenizer import Tokenizer
from nlu.crisis import CrisisDetector, PatternList, crisis_dev_files, load_crisis_dev
from nlu.dataset import load_training_data
from nlu.regex_literals import LiteralIndex, required_literals


def test_a_plain_word_requires_itself() -> None:
    assert required_literals("掉进河里") == {"掉进河里"}


def test_an_alternation_requires_one_of_its_branches() -> None:
    assert required_literals("跳楼|跳河") == {"跳楼", "跳河"}


def test_the_rarest_stretch_of_a_sequence_is_chosen() -> None:
    # any character, then a long exact stretch: the stretch is the requirement
    assert required_literals(".{0,4}离家出走") == {"离家出走"}
    assert required_literals("(?:孩子|娃)(?:[^ ]{0,6})不见了") == {"不见了"}


def test_optional_parts_widen_the_set_instead_of_being_required() -> None:
    assert required_literals("吃(?:了)?药") == {"吃药", "吃了药"}


def test_a_look_ahead_counts_but_a_negative_one_does_not() -> None:
    assert required_literals("(?=.*?(?:割腕))") == {"割腕"}
    assert required_literals("(?!.*?安全)不见了") == {"不见了"}


def test_patterns_the_analysis_cannot_follow_are_never_filtered() -> None:
    assert required_literals(".*") is None
    assert required_literals("(?i)help") is None
    assert required_literals("help", re.IGNORECASE) is None
    assert required_literals("(.)\\1") is None
    assert required_literals("[^a]+") is None


ALPHABET = "abx "
PIECES = st.sampled_from(
    ["a", "b", "x", "ab", "[ab]", "[^a]", ".", "\\b", "^", "$", "(?=a)", "(?!b)", "(?<=x)", "(?<!a)", " "]
)


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.booleans()):  # a group: bounded repeats only (no catastrophic nesting)
            quantifier = draw(st.sampled_from(["", "?", "{0,2}", "{1,2}", "{2}"]))
            parts.append(f"(?:{draw(patterns(depth + 1))}){quantifier}")
        else:
            parts.append(f"(?:{draw(PIECES)}){draw(st.sampled_from(['', '?', '*', '+', '{0,2}', '{1,3}']))}")
    pattern = "".join(parts)
    if depth < 2 and draw(st.booleans()):
        pattern += "|" + draw(patterns(depth + 1))
    return pattern


@settings(max_examples=400, deadline=None)
@given(pattern=patterns(), text=st.text(alphabet=ALPHABET, max_size=12))
def test_a_text_a_pattern_matches_in_always_holds_one_of_its_required_literals(
    pattern: str, text: str
) -> None:
    required = required_literals(pattern)
    if required is not None and re.search(pattern, text, re.DOTALL):
        assert any(literal in text for literal in required), (pattern, text, required)


@settings(max_examples=300, deadline=None)
@given(
    literals=st.lists(st.text(alphabet="abc孩子", min_size=1, max_size=4), max_size=12),
    text=st.text(alphabet="abc孩子 ", max_size=20),
)
def test_the_index_finds_exactly_the_literals_a_text_contains(literals: list[str], text: str) -> None:
    assert LiteralIndex(literals).present(text) == {literal for literal in literals if literal in text}


@pytest.fixture(scope="module")
def every_line(tokenizer: Tokenizer) -> list[str]:
    texts = [example.text for example in load_training_data().examples]
    texts += list(load_crisis_dev(crisis_dev_files()).texts)
    return [tokenizer.normalize(text) for text in texts]


def test_the_shipped_crisis_patterns_give_the_same_answer_with_and_without_the_filter(
    every_line: list[str],
) -> None:
    detector = CrisisDetector()
    lists: list[PatternList] = [detector.weak, *detector.strong.values()]
    for text in every_line:
        present = detector.literals.present(text)
        for items in lists:
            assert items.search(text, present) == any(regex.search(text) for regex in items.regexes), text
        if detector.negatives is not None and detector.negatives.search(text):
            assert detector.negative_items.may_match(present), text


def test_a_stored_literal_table_gives_the_same_detector(every_line: list[str]) -> None:
    fresh = CrisisDetector()
    stored = CrisisDetector(literals=fresh.literal_table)
    assert stored.literal_table == fresh.literal_table
    assert [stored.match(text) for text in every_line[::7]] == [fresh.match(text) for text in every_line[::7]]
