"""The conversation's own data files (dialogues/data/navigation.yaml, rules.yaml) go through their
schemas: the shipped files load, and a broken copy fails with its file and line."""

from __future__ import annotations

from pathlib import Path

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from dialogues.navigation import NAVIGATION_FILE, check_navigation, load_navigation
from dialogues.rules import RULES_FILE, check_rules, load_rules


def _copy(source: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = source.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / source.name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(
        number for number, row in enumerate(target.read_text().splitlines(), 1) if new.split("\n")[0] in row
    )
    return target, line


def test_the_navigation_words_are_understood_in_every_language_and_form() -> None:
    navigation = load_navigation()
    assert navigation.says("back", "上一步") and navigation.says("back", " BACK ")
    assert navigation.says("resume", "繼續") and navigation.says("cancel", "ｃａｎｃｅｌ")  # full-width
    assert navigation.says("change", "改错了，是厦门") and not navigation.says("change", "不改")
    assert navigation.says("checklist", "帮我看看我的清单") and navigation.says("checklist", "", "看清单吧")
    assert not navigation.says("back", "返回老家办医保")  # exact words only


def test_a_word_meaning_two_moves_is_reported_at_its_line(tmp_path: Path) -> None:
    copy, _ = _copy(NAVIGATION_FILE, tmp_path, "en: [back, previous]", "en: [back, cancel]")
    navigation, problems = check_navigation(copy)
    assert navigation is None
    words_of_cancel = (
        copy.read_text(encoding="utf-8").splitlines().index("cancel:") + 4
    )  # its `words:` (1-based)
    assert [(problem.line, problem.message) for problem in problems] == [
        (words_of_cancel, "'cancel' also means back")
    ]


def test_a_mistyped_key_in_the_navigation_words_is_reported_at_its_line(tmp_path: Path) -> None:
    copy, line = _copy(NAVIGATION_FILE, tmp_path, "  match: prefix", "  matches: prefix")
    _, problems = check_navigation(copy)
    assert any(
        problem.line == line and "'change.matches' is not a known field" in problem.message
        for problem in problems
    )


def test_the_shipped_rules_load_with_the_lexicons_city_names(lexicon: Lexicon, taxonomy: Taxonomy) -> None:
    rules = load_rules(lexicon, taxonomy)
    assert rules.place_buttons == ("厦门", "福州", "泉州", "海口", "三亚")
    assert "ask_entitlement" in rules.side_intents and "start_residence_permit" not in rules.side_intents
    assert rules.fits_stage(("primary",), 5.5) and not rules.fits_stage(("primary",), 4.0)


def test_an_unknown_intent_or_city_in_the_rules_is_reported_at_its_line(
    lexicon: Lexicon, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    copy, line = _copy(RULES_FILE, tmp_path, "  - privacy\n", "  - privacyy\n")
    rules, problems = check_rules(lexicon, taxonomy, copy)
    assert rules is None and [(p.line, p.message) for p in problems] == [(line, "unknown intent 'privacyy'")]
    copy, line = _copy(RULES_FILE, tmp_path, "place_buttons: [xiamen,", "place_buttons: [atlantis,")
    _, problems = check_rules(lexicon, taxonomy, copy)
    assert [(p.line, p.message) for p in problems] == [(line, "'atlantis' is not a city of the lexicon")]


def test_rules_without_the_ages_of_a_stage_are_refused(
    lexicon: Lexicon, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    copy, _ = _copy(RULES_FILE, tmp_path, "  vocational: [15, 18]\n", "")
    _, problems = check_rules(lexicon, taxonomy, copy)
    assert len(problems) == 1 and "no ages for ['vocational']" in problems[0].message
