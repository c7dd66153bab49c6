"""`tongxing check`: the shipped data passes; a broken copy of any registered kind of data file fails
with the file:line of the defect."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.data_check import CHECKS, run_checks
from tests.bot.test_cli import run
from tests.datafile_edit import copy_to

CHECK_NAMES = [check.name for check in CHECKS]
# For each kind of data file: the file to break, relative to the checked file or folder.
BROKEN_FILE = {
    "taxonomy": ".",
    "lexicon": ".",
    "hant_corrections": ".",
    "safety_net": ".",
    "bereavement": ".",
    "crisis_kinds": ".",
    "crisis_followup": ".",
    "knowledge": "provinces/fujian.yaml",
    "flows": "residence_permit.yaml",
    "nlu_data": "nlu.yml",
    "navigation": ".",
    "conversation_rules": ".",
    "yes_no_words": ".",
    "vaccine_reminders": ".",
    "immunization_schedule": ".",
    "followups": ".",
    "canned_replies": ".",
    "key_child_visits": ".",
    "office_hours": ".",
    "feedback_words": ".",
    "list_rules": ".",
}


def test_every_kind_of_data_file_is_registered_once_with_an_existing_path() -> None:
    assert sorted(CHECK_NAMES) == sorted(BROKEN_FILE)
    assert len(set(CHECK_NAMES)) == len(CHECK_NAMES)
    assert all(check.path.exists() for check in CHECKS)


def test_shipped_data_passes_every_check() -> None:
    report = run_checks()
    assert report.problems == ()
    assert report.files >= len(CHECKS)


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_broken_yaml_in_any_kind_of_data_file_fails_with_its_file_and_line(tmp_path: Path, name: str) -> None:
    check = next(check for check in CHECKS if check.name == name)
    copy = copy_to(check.path, tmp_path)
    broken = copy if BROKEN_FILE[name] == "." else copy / BROKEN_FILE[name]
    lines = broken.read_text(encoding="utf-8").splitlines()
    target = next(number for number, line in enumerate(lines) if line and not line.startswith(("#", " ")))
    lines.insert(target + 1, "bad: a: b")  # mapping values are not allowed here
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = run_checks({name: copy}).problems
    assert problems, name
    assert str(broken).endswith(problems[0].file)  # the knowledge base names files from its parent
    assert problems[0].line == target + 2
    assert "broken YAML" in problems[0].message


def test_a_broken_taxonomy_stops_the_checks_that_need_it_and_says_so(tmp_path: Path) -> None:
    check = next(check for check in CHECKS if check.name == "taxonomy")
    copy = copy_to(check.path, tmp_path)
    copy.write_text(copy.read_text(encoding="utf-8").replace("intents:", "intent:"), encoding="utf-8")
    messages = [str(problem) for problem in run_checks({"taxonomy": copy}).problems]
    assert any("'intent' is not a known field" in message for message in messages)
    assert any(message.endswith("not checked: the taxonomy has problems") for message in messages)


def test_tongxing_check_passes_on_shipped_data(tmp_path: Path) -> None:
    result = run("check", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("all data files valid (") and "files)" in result.stdout


def test_tongxing_check_fails_with_file_line_on_a_bad_regex_in_a_copy(tmp_path: Path) -> None:
    check = next(check for check in CHECKS if check.name == "safety_net")
    copy = tmp_path / "safety_net.yaml"
    shutil.copyfile(check.path, copy)
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("  - 自杀\n", "  - 自杀(\n", 1), encoding="utf-8")
    line = copy.read_text(encoding="utf-8").splitlines().index("  - 自杀(") + 1
    result = run("check", "--use", f"safety_net={copy}", data_dir=tmp_path / "var")
    assert result.returncode == 1
    assert f"{copy}:{line}: 'patterns.4': the regular expression does not compile" in result.stderr


def test_tongxing_check_refuses_an_unknown_name(tmp_path: Path) -> None:
    result = run("check", "--use", f"no_such_kind={tmp_path}", data_dir=tmp_path)
    assert result.returncode == 2
    assert "NAME=PATH" in result.stderr


def test_a_word_both_yes_and_no_is_a_problem(tmp_path: Path) -> None:
    check = next(check for check in CHECKS if check.name == "yes_no_words")
    copy = copy_to(check.path, tmp_path)
    text = copy.read_text(encoding="utf-8").replace("no_words: [", "no_words: [要得, ")
    copy.write_text(text, encoding="utf-8")
    messages = [str(problem) for problem in run_checks({"yes_no_words": copy}).problems]
    assert any("'要得' is both a yes and a no" in message for message in messages)
