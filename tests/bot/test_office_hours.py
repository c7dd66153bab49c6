"""The office-hours file: the shipped one loads (and `tongxing check` covers it), and a broken copy
is refused with file:line problems (unknown place, a place twice, hours that overlap or close before
they open, an unknown zone, an unknown weekday, an office for two places)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.data_check import CHECKS, run_checks
from bot.office_hours import OFFICE_HOURS_FILE, check_office_hours, load_office_hours
from core.lexicon import load_lexicon
from dialogues.office_hours import Window

GOOD_DEFAULT = """default:
  zone: Asia/Shanghai
  reply_minutes: 30
  week:
    mon: ["08:30-12:00", "14:30-17:30"]
"""


def test_the_shipped_office_hours_load_and_are_checked() -> None:
    hours = load_office_hours(lexicon=load_lexicon())
    assert hours.default.zone == ZoneInfo("Asia/Shanghai") and hours.default.reply_minutes == 30
    assert Window(0, time(8, 30), time(12)) in hours.default.windows
    assert "office_hours" in {check.name for check in CHECKS}
    assert (
        run_checks(checks=tuple(check for check in CHECKS if check.name in ("office_hours",))).problems == ()
    )
    assert OFFICE_HOURS_FILE.exists()


def test_an_office_inherits_the_default_zone_and_reply_time(tmp_path: Path) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(
        GOOD_DEFAULT + 'offices:\n  - district: siming\n    week: {sat: ["09:00-12:00"]}\n', "utf-8"
    )
    hours = load_office_hours(path, load_lexicon())
    siming = hours.places[("district", "siming")]
    assert siming.zone == ZoneInfo("Asia/Shanghai") and siming.reply_minutes == 30
    assert siming.windows == (Window(5, time(9), time(12)),)


@pytest.mark.parametrize(
    ("offices", "expected"),
    [
        ('  - city: atlantis\n    week: {mon: ["09:00-12:00"]}\n', "no city 'atlantis'"),
        ('  - city: xiamen\n    week: {mon: ["09:00-12:00"]}\n  - city: xiamen\n    week: {}\n', "twice"),
        ('  - city: xiamen\n    week: {mon: ["09:00-12:00", "11:00-13:00"]}\n', "overlap"),
        ('  - city: xiamen\n    week: {mon: ["12:00-09:00"]}\n', "open before it closes"),
        ('  - city: xiamen\n    week: {mon: ["9-12"]}\n', "HH:MM-HH:MM"),
        ("  - city: xiamen\n    zone: Mars/Olympus\n    week: {}\n", "unknown time zone"),
        ('  - city: xiamen\n    week: {monday: ["09:00-12:00"]}\n', "unknown weekday"),
        ("  - city: xiamen\n    district: siming\n    week: {}\n", "exactly one place"),
        ("  - city: xiamen\n    opens: soon\n    week: {}\n", "opens"),
    ],
)
def test_a_broken_file_is_refused_with_its_line(tmp_path: Path, offices: str, expected: str) -> None:
    path = tmp_path / "hours.yaml"
    path.write_text(GOOD_DEFAULT + "offices:\n" + offices, "utf-8")
    hours, problems = check_office_hours(path, load_lexicon())
    assert hours is None and problems
    assert any(expected in problem.message for problem in problems), problems
    assert all(problem.line >= 1 for problem in problems)
