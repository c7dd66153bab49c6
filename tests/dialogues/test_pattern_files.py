"""The safety net and the bereavement words (same format): the shipped files pass, and a bad regular
expression, a mistyped key or broken YAML in a copy is reported at its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.yamlfile import DataFileError
from dialogues.safety import BEREAVEMENT_FILE, SAFETY_NET_FILE, check_safety_net, load_safety_net
from tests.datafile_edit import copy_to, line_of, replace_once

PATTERN_FILES = [SAFETY_NET_FILE, BEREAVEMENT_FILE]
BROKEN_REGEXES = ["(孩子", "[打骂", "*死", "a{2,1}", "(?P<x>a)(?P<x>b)", "\\"]


@pytest.mark.parametrize("source", PATTERN_FILES, ids=lambda path: path.name)
def test_shipped_pattern_file_has_no_problems_and_loads(source: Path) -> None:
    assert check_safety_net(source) == []
    assert load_safety_net(source).patterns


def _item_lines(lines: list[str], key: str) -> list[int]:
    """The 0-based numbers of the lines holding the items of the top-level list `key`."""
    items: list[int] = []
    for number in range(lines.index(f"{key}:") + 1, len(lines)):
        if lines[number] and not lines[number].startswith(" "):
            break
        if lines[number].startswith("  - "):
            items.append(number)
    return items


@settings(max_examples=25, deadline=None)
@given(
    source=st.sampled_from(PATTERN_FILES),
    broken=st.sampled_from(BROKEN_REGEXES),
    data=st.data(),
)
def test_a_regex_that_does_not_compile_is_reported_at_its_line(
    tmp_path_factory: pytest.TempPathFactory, source: Path, broken: str, data: st.DataObject
) -> None:
    path = copy_to(source, tmp_path_factory.mktemp("patterns"))
    key = data.draw(st.sampled_from(["patterns", "unless"]))
    lines = path.read_text(encoding="utf-8").splitlines()
    target = data.draw(st.sampled_from(_item_lines(lines, key)))
    lines[target] = "  - " + ("'" + broken.replace("'", "''") + "'")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_safety_net(path)
    assert [(problem.file, problem.line) for problem in problems] == [(str(path), target + 1)]
    assert "does not compile" in problems[0].message


def test_the_loader_refuses_a_bad_regex_and_lists_every_problem(tmp_path: Path) -> None:
    path = copy_to(SAFETY_NET_FILE, tmp_path)
    replace_once(path, "  - 自杀\n", "  - 自杀(\n")
    replace_once(path, "  - 笑死\n", "  - 笑[死\n")
    with pytest.raises(DataFileError) as raised:
        load_safety_net(path)
    assert [(problem.line, problem.message.split(":")[0]) for problem in raised.value.problems] == [
        (line_of(path, "自杀("), "'patterns.4'"),
        (line_of(path, "笑[死"), "'unless.3'"),
    ]


@pytest.mark.parametrize("source", PATTERN_FILES, ids=lambda path: path.name)
def test_a_mistyped_key_is_reported_at_its_line(tmp_path: Path, source: Path) -> None:
    path = copy_to(source, tmp_path)
    replace_once(path, "\nunless:", "\nunles:")
    assert [str(problem) for problem in check_safety_net(path)] == [
        f"{path}:{line_of(path, 'unles:')}: 'unles' is not a known field"
    ]


def test_broken_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = copy_to(BEREAVEMENT_FILE, tmp_path)
    replace_once(path, "\nunless:", "\nunless: [")
    problems = check_safety_net(path)
    assert len(problems) == 1 and "broken YAML" in problems[0].message
    assert problems[0].line >= line_of(path, "unless: [")


def test_an_empty_pattern_is_reported_at_its_line(tmp_path: Path) -> None:
    path = copy_to(SAFETY_NET_FILE, tmp_path)
    replace_once(path, "  - 轻生\n", "  - ''\n")
    assert [str(problem) for problem in check_safety_net(path)] == [
        f"{path}:{line_of(path, chr(39) * 2)}: 'patterns.5': String should have at least 1 character"
    ]


def test_a_duplicate_pattern_is_reported_at_its_second_line(tmp_path: Path) -> None:
    path = copy_to(SAFETY_NET_FILE, tmp_path)
    replace_once(path, "  - 割腕\n", "  - 自杀\n")
    assert [str(problem) for problem in check_safety_net(path)] == [
        f"{path}:{line_of(path, '自杀') + 2}: 'patterns': duplicate pattern '自杀'"
    ]
