"""The NLU training data (Rasa YAML in nlu/data/): the shipped files pass, fast, and each kind of
defect in a copy is reported at its file:line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from nlu.dataset import DATA_DIR
from nlu.validator import check_nlu_data
from tests.datafile_edit import copy_to, line_of, replace_once


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    return copy_to(DATA_DIR, tmp_path)


def _messages(directory: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> list[str]:
    return [str(problem) for problem in check_nlu_data(directory, taxonomy=taxonomy, lexicon=lexicon)]


def test_shipped_nlu_data_has_no_problems_and_is_checked_in_well_under_two_seconds(
    taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    started = time.perf_counter()
    assert check_nlu_data(taxonomy=taxonomy, lexicon=lexicon) == []
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "label", ["greeting", "ask_entitlement/daycare", "ask_entitlement", "crisis/violence"]
)
def test_a_label_outside_the_taxonomy_is_reported_at_its_line(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon, label: str
) -> None:
    directory = data_copy
    path = directory / "nlu.yml"
    replace_once(path, "- intent: ask_entitlement/preschool\n", f"- intent: {label}\n")
    messages = _messages(directory, taxonomy, lexicon)
    assert len(messages) == 1, messages
    line = path.read_text(encoding="utf-8").splitlines().index(f"- intent: {label}") + 1
    assert messages[0].startswith(f"{path}:{line}: ")


def test_an_unknown_intent_is_named_in_the_problem(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "nlu.yml"
    replace_once(path, "- intent: greet\n", "- intent: greeting\n")
    assert _messages(data_copy, taxonomy, lexicon) == [
        f"{path}:9: unknown intent 'greeting' (not in core/data/taxonomy.yaml)"
    ]


def test_a_mistyped_key_is_reported_at_its_line(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "nlu.yml"
    replace_once(path, "- intent: greet\n  examples: |", "- intent: greet\n  exmaples: |")
    messages = _messages(data_copy, taxonomy, lexicon)
    assert f"{path}:10: 'nlu.0.exmaples' is not a known field" in messages
    assert f"{path}:9: 'nlu.0.examples' is required but missing" in messages


def test_a_duplicate_example_is_reported_at_the_second_with_the_first(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "nlu.yml"
    second = line_of(path, "  - [百白破](vaccine)一共打几针")  # in the vaccination block
    replace_once(path, "    - 在不在\n", "    - [百白破](vaccine)一共打几针\n")
    first = line_of(path, "  - [百白破](vaccine)一共打几针")
    assert first == 14 < second
    assert _messages(data_copy, taxonomy, lexicon) == [
        f"{path}:{second}: duplicate example '百白破一共打几针' (first at {path}:14)"
    ]


def test_empty_examples_bad_markup_unknown_entities_and_roles_are_reported(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "nlu.yml"
    # every replacement below keeps the number of lines
    vaccine_line = line_of(path, "    - [麻腮风](vaccine)什么时候打")
    replace_once(path, "    - 您好\n", "    - \n")
    replace_once(path, "    - 在吗\n", "    - 我在[厦门](town)\n")
    replace_once(path, "    - 在不在\n", '    - 我从[四川]{"entity": "province", "role": "home"}来\n')
    replace_once(path, "    - [麻腮风](vaccine)什么时候打", "    - [麻风苗](vaccine)什么时候打")
    replace_once(
        path,
        '我从[四川]{"entity": "province", "role": "hukou"}',
        '我从[四川]{"entity": "province", "role": "hukou"',
    )
    messages = _messages(data_copy, taxonomy, lexicon)
    assert messages[:3] == [
        f"{path}:12: empty example",
        f"{path}:13: unknown entity 'town'; entities are "
        "province, city, district, age, birth_date, grade, stage, child_count, vaccine",
        f"{path}:14: role 'home' on 'province': only city and province take 'hukou'",
    ]
    assert f"{path}:57: broken entity markup: '[text](entity)' or '[text]{{...}}'" in messages
    assert f"{path}:{vaccine_line}: '麻风苗' is no vaccine name of core/data/lexicon.yaml" in messages


def test_broken_yaml_is_reported_with_its_line(data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = data_copy / "lookups.yml"
    replace_once(path, "- lookup: grade\n", "- lookup: grade: [\n")
    messages = _messages(data_copy, taxonomy, lexicon)
    assert len(messages) == 1 and "broken YAML" in messages[0]
    assert messages[0].startswith(f"{path}:{line_of(path, 'lookup: grade: [')}:")


def test_synonym_blocks_are_refused_because_the_lexicon_holds_them(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "lookups.yml"
    path.write_text(
        path.read_text(encoding="utf-8") + "- synonym: 居住证\n  examples: |\n    - 暂住证\n",
        encoding="utf-8",
    )
    assert _messages(data_copy, taxonomy, lexicon) == [
        f"{path}:{line_of(path, 'synonym: 居住证')}: synonyms are written in core/data/lexicon.yaml, "
        "not in the NLU data"
    ]


def test_too_few_examples_for_an_intent_is_reported_at_its_block(
    data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    path = data_copy / "nlu.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("- intent: greet")
    end = next(number for number in range(start + 1, len(lines)) if lines[number].startswith("- "))
    kept = lines[: start + 2] + lines[start + 2 : start + 12] + lines[end:]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert _messages(data_copy, taxonomy, lexicon) == [f"{path}:9: 'greet' has 10 examples, fewer than 45"]


def test_the_held_out_file_is_checked_too(data_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
    path = data_copy / "test" / "test_nlu.yml"
    first_intent = line_of(path, "- intent: ")
    text = path.read_text(encoding="utf-8").splitlines()
    label = text[first_intent - 1].split(": ", 1)[1]
    replace_once(path, f"- intent: {label}\n", "- intent: unknown_thing\n")
    assert _messages(data_copy, taxonomy, lexicon) == [
        f"{path}:{first_intent}: unknown intent 'unknown_thing' (not in core/data/taxonomy.yaml)"
    ]
