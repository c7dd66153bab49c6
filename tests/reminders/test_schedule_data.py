"""The schedule data file: the shipped file is valid and matches the taxonomy; a broken copy fails with
the file:line of the defect; a value is verified only when its source is marked V or V-seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.taxonomy import load_taxonomy
from core.yamlfile import DataFileError
from reminders.schedule import SCHEDULE_FILE, check_schedule, load_schedule, read_schedule
from tests.datafile_edit import copy_to, line_of, replace_once


def test_the_shipped_schedule_is_valid_and_names_every_vaccine_of_the_taxonomy() -> None:
    assert check_schedule(SCHEDULE_FILE, load_taxonomy().vaccines) == []
    schedule = load_schedule()
    assert set(schedule.names) == set(load_taxonomy().vaccines)
    assert schedule.max_dose("dtap") == 5 and schedule.max_dose("dt") == 1
    assert schedule.slot_of("dt:1") == "dtap:5"


def test_only_the_dtap_ages_are_verified_in_the_shipped_file() -> None:
    """The reference marks the 2021 table [U] and the 2025 DTaP change [V]."""
    schedule = load_schedule()
    verified_ages = {rule.key for rule in schedule.rules if rule.age.verified}
    assert verified_ages == {"dtap:1", "dtap:2", "dtap:3", "dtap:4", "dtap:5"}
    assert not any(rule.verified for rule in schedule.rules)  # every complete-by age is [U]
    assert not schedule.transition_verified and not schedule.catch_up_verified


def test_marking_every_source_verified_makes_every_dose_verified(tmp_path: Path) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    copy.write_text(copy.read_text(encoding="utf-8").replace("mark: U", "mark: V").replace(
        "mark: V-2nd", "mark: V-seed"), encoding="utf-8")  # fmt: skip
    schedule = load_schedule(copy)
    assert all(rule.verified for rule in schedule.rules)
    assert schedule.transition_verified and schedule.catch_up_verified


def _problems(path: Path) -> list[str]:
    return [str(problem) for problem in check_schedule(path, load_taxonomy().vaccines)]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("age: {at: 4m, source: nip_2021_table}", "age: {at: 4 months, source: nip_2021_table}",
         "is not a duration"),
        ("age: {at: 9m, source: nip_2021_table}", "age: {at: 9m, source: nowhere}",
         "unknown source 'nowhere'"),
        ("  - vaccine: mmr\n    dose: 2", "  - vaccine: mmrv\n    dose: 2", "unknown vaccine 'mmrv'"),
        ("{dose: \"mmr:1\", at: 28d", "{dose: \"mmr:3\", at: 28d", "'mmr:3' is not a dose listed above"),
        ("    complete_by: {at: 5y, source: nip_2021_notes}",
         "    complete_by: {at: 3y, source: nip_2021_notes}", "complete_by 3y is before age 4y"),
        ("    mark: V-2nd\n  catch_up_hebei", "    mark: maybe\n  catch_up_hebei",
         "'sources.catch_up_principles.mark'"),
        ("  je: {default: je_l, others: [je_i]", "  je: {default: je_l, others: [je_x]",
         "unknown vaccine 'je_x'"),
        ("    effective: {from: 2025-01-01, source: dtap_2025}\n    after:\n      - {dose: \"dtap:2\"",
         "    effective: {from: 2024-12-01, source: dtap_2025}\n    after:\n      - {dose: \"dtap:2\"",
         "'dtap:3' has two entries in force on the same days"),
        ("  - vaccine: hepb\n    dose: 3", "  - vaccine: hepb\n    dosage: 3",
         "'doses.2.dosage' is not a known field"),
    ],
)  # fmt: skip
def test_a_bad_value_is_reported_at_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    replace_once(copy, old, new)
    problems = _problems(copy)
    assert any(message in problem for problem in problems), problems
    first_changed = next(
        part for part, before in zip(new.splitlines(), old.splitlines(), strict=True) if part != before
    )
    expected_line = line_of(copy, first_changed)
    hits = [problem for problem in problems if message in problem]
    assert any(problem.startswith(f"{copy}:{expected_line}: ") for problem in hits), (expected_line, hits)


def test_broken_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    replace_once(
        copy,
        "  mmr: {name: 麻腮风疫苗, live_injectable: true}",
        "  mmr: {name: 麻腮风疫苗, live_injectable: true",
    )
    problems = _problems(copy)
    assert len(problems) == 1 and "broken YAML" in problems[0]
    assert problems[0].startswith(f"{copy}:{line_of(copy, 'mmr: {name') + 1}:")


def test_a_vaccine_the_taxonomy_does_not_know_is_reported(tmp_path: Path) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    replace_once(
        copy, "  hepa_i: {name: 甲肝灭活疫苗}", "  hepa_i: {name: 甲肝灭活疫苗}\n  flu: {name: 流感疫苗}"
    )
    problems = _problems(copy)
    assert f"{copy}:{line_of(copy, 'flu: {name')}: 'flu' is not a vaccine id of the taxonomy" in problems


def test_doses_numbered_with_a_gap_are_reported(tmp_path: Path) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    replace_once(copy, "  - vaccine: hepa_i\n    dose: 2", "  - vaccine: hepa_i\n    dose: 3")
    assert any("'hepa_i' doses are not numbered 1..n: [1, 3]" in problem for problem in _problems(copy))


def test_loading_a_broken_schedule_raises_with_every_problem(tmp_path: Path) -> None:
    copy = copy_to(SCHEDULE_FILE, tmp_path)
    replace_once(copy, "source: dtap_2025}", "source: dtap_2052}")
    with pytest.raises(DataFileError, match="unknown source 'dtap_2052'"):
        load_schedule(copy)
    schedule, problems = read_schedule(copy)
    assert schedule is not None and len(problems) == 1
