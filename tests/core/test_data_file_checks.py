"""The taxonomy, the lexicon and the Traditional corrections: the shipped files pass their checks,
and each kind of defect in a copy is reported at its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.i18n import HANT_CORRECTIONS, check_hant_corrections, load_hant_corrections
from core.lexicon import LEXICON_FILE, check_lexicon, load_lexicon
from core.taxonomy import TAXONOMY_FILE, check_taxonomy, load_taxonomy
from core.yamlfile import DataFileError, read_yaml
from tests.datafile_edit import copy_to, line_of, replace_once


def test_shipped_taxonomy_lexicon_and_corrections_have_no_problems() -> None:
    vaccines = load_taxonomy().vaccines
    assert check_taxonomy() == []
    assert check_lexicon(vaccines=vaccines) == []
    assert check_hant_corrections() == []


def test_duplicate_taxonomy_id_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(TAXONOMY_FILE, tmp_path)
    replace_once(path, "  - id: thanks\n", "  - id: greet  # again\n")
    assert [str(problem) for problem in check_taxonomy(path)] == [
        f"{path}:{line_of(path, 'greet  # again')}: 'intents': duplicate id 'greet'"
    ]
    with pytest.raises(DataFileError, match="duplicate id 'greet'"):
        load_taxonomy(path)


def test_mistyped_taxonomy_key_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(TAXONOMY_FILE, tmp_path)
    replace_once(path, "vaccines:", "vacines:")
    messages = [str(problem) for problem in check_taxonomy(path)]
    assert f"{path}:{line_of(path, 'vacines:')}: 'vacines' is not a known field" in messages


def test_taxonomy_id_that_is_not_snake_case_is_reported(tmp_path: Path) -> None:
    path = copy_to(TAXONOMY_FILE, tmp_path)
    replace_once(path, "  - id: preschool ", "  - id: Pre-School ")
    problems = check_taxonomy(path)
    assert [problem.line for problem in problems] == [line_of(path, "Pre-School")]


def test_broken_lexicon_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(path, "  签注: [", "  签注: [[")
    problems = check_lexicon(path)
    assert len(problems) == 1 and problems[0].file == str(path)
    assert "broken YAML" in problems[0].message
    assert line_of(path, "签注: [[") <= problems[0].line


def test_duplicate_synonym_group_key_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(path, "  低保: [", "  签注: [")
    assert [str(problem) for problem in check_lexicon(path)] == [
        f"{path}:{line_of(path, '  签注: [低宝')}: duplicate key '签注'"
    ]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["入学", "医保", "幼儿园", "低保", "户口", "公交卡"]), st.data())
def test_a_word_in_two_synonym_groups_is_reported_at_the_second(
    tmp_path_factory: pytest.TempPathFactory, group: str, data: st.DataObject
) -> None:
    lexicon = load_lexicon()
    others = [word for canonical, words in lexicon.synonyms.items() if canonical != group for word in words]
    word = data.draw(st.sampled_from(others))
    path = copy_to(LEXICON_FILE, tmp_path_factory.mktemp("lexicon"))
    replace_once(path, f"  {group}: [", f"  {group}: [{word}, ")
    problems = check_lexicon(path)
    other = read_yaml(path).key_lines[("synonyms", lexicon.canonical[word.lower()])]
    assert [problem.line for problem in problems] == [max(line_of(path, f"  {group}: [{word}, "), other)]
    assert f"'{word}' is in the synonyms of" in problems[0].message


def test_dangling_and_duplicate_place_ids_are_reported_at_their_lines(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(path, "{id: huli, name: 湖里, city: xiamen,", "{id: huli, name: 湖里, city: xiamn,")
    replace_once(path, "{id: danzhou, name: 儋州,", "{id: haikou, name: 儋州,")
    messages = [str(problem) for problem in check_lexicon(path)]
    assert messages == [
        f"{path}:{line_of(path, 'id: haikou, name: 儋州')}: duplicate city id 'haikou'",
        f"{path}:{line_of(path, 'city: xiamn')}: unknown city 'xiamn'",
    ]


def test_vaccine_names_must_name_taxonomy_vaccines(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(path, "    hepa_i: [", "    hepa_x: [")
    messages = [str(problem) for problem in check_lexicon(path, vaccines=load_taxonomy().vaccines)]
    assert f"{path}:{line_of(path, 'hepa_x')}: 'hepa_x' is not a vaccine id of the taxonomy" in messages
    assert any("the taxonomy's vaccine 'hepa_i' has no names" in message for message in messages)


def test_the_lexicon_loader_refuses_a_lexicon_with_problems(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(path, "context_terms:", "context_term:")
    with pytest.raises(DataFileError, match="'context_term' is not a known field"):
        load_lexicon(path)


def test_mistyped_correction_key_and_a_correction_that_changes_nothing_are_reported(tmp_path: Path) -> None:
    path = copy_to(HANT_CORRECTIONS, tmp_path)
    replace_once(path, "{wrong: 平臺, right: 平台}", "{wrong: 平臺, rihgt: 平台}")
    replace_once(path, "{wrong: 臺賬, right: 台賬}", "{wrong: 臺賬, right: 臺賬}")
    messages = [str(problem) for problem in check_hant_corrections(path)]
    assert messages == [
        f"{path}:{line_of(path, 'rihgt')}: '平台.right' is required but missing",
        f"{path}:{line_of(path, 'rihgt')}: '平台.rihgt' is not a known field",
        f"{path}:{line_of(path, '臺賬, right: 臺賬')}: '台账': 'wrong' and 'right' are the same ('臺賬')",
    ]
    with pytest.raises(DataFileError):
        load_hant_corrections(path)


def test_the_same_wrong_form_corrected_twice_is_reported(tmp_path: Path) -> None:
    path = copy_to(HANT_CORRECTIONS, tmp_path)
    replace_once(path, "{wrong: 臺賬, right: 台賬}", "{wrong: 平臺, right: 台賬}")
    assert [str(problem) for problem in check_hant_corrections(path)] == [
        f"{path}:{line_of(path, '{wrong: 平臺, right: 台賬}')}: '平臺' is corrected twice"
    ]


def test_a_name_of_two_places_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(LEXICON_FILE, tmp_path)
    replace_once(
        path, "{id: licheng_pt, name: 荔城, city: putian}", "{id: licheng_pt, name: 鲤城, city: putian}"
    )
    messages = [str(problem) for problem in check_lexicon(path)]
    assert messages == [
        f"{path}:{line_of(path, 'id: licheng_pt')}: '鲤城' names the district 'licheng_qz' and the district "
        "'licheng_pt'"
    ]
