"""`tongxing reminders plan`: the JSON shape with the taxonomy's ids and ISO dates, the text in three
languages, and one clear line with exit code 2 for bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.taxonomy import load_taxonomy
from tests.bot.test_cli import run


def test_json_lists_every_dose_of_the_default_track_with_iso_dates(tmp_path: Path) -> None:
    result = run("reminders", "plan", "--birth-date", "2024-01-31", "--given", "hepb:1,bcg:1",
                 "--as-of", "2024-04-01", "--json", data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"doses", "not_planned"}
    vaccines = set(load_taxonomy().vaccines)
    for dose in output["doses"]:
        assert set(dose) == {"vaccine", "dose", "due", "complete_by", "status", "verified"}
        assert dose["vaccine"] in vaccines and isinstance(dose["dose"], int)
        assert date.fromisoformat(dose["due"]) <= date.fromisoformat(dose["complete_by"])
        assert dose["status"] in {"done", "due", "overdue", "upcoming", "catch_up"}
        assert dose["verified"] is False  # the reference verifies no complete-by age
    assert {dose["vaccine"] for dose in output["doses"]} == vaccines - {"dt", "je_i", "hepa_i"}
    by_key = {f"{dose['vaccine']}:{dose['dose']}": dose for dose in output["doses"]}
    assert by_key["hepb:2"] == {
        "vaccine": "hepb", "dose": 2, "due": "2024-04-29", "complete_by": "2025-01-31",
        "status": "catch_up", "verified": False,
    }  # fmt: skip
    assert by_key["ipv:1"]["status"] == "due" and by_key["ipv:1"]["due"] == "2024-03-31"
    assert by_key["bcg:1"]["status"] == "done"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh_Hans", ["疫苗接种计划：出生日期2024年1月31日，按2024年4月1日计算", "  乙肝疫苗 第1剂：已接种",
                     "  脊灰灭活疫苗 第1剂：2024年3月31日起可以接种，最好在2025年1月31日前接种 *",
                     "请向接种单位确认"]),
        ("zh_Hant", ["疫苗接種計劃", "  乙肝疫苗 第1劑：已接種", "請向接種單位確認"]),
        ("en", ["Vaccination plan: born Jan 31, 2024, as of Apr 1, 2024", "  BCG vaccine, dose 1: given",
                "polio vaccine, inactivated (IPV), dose 1: can be given from Mar 31, 2024, "
                "best before Jan 31, 2025",
                "please confirm with your vaccination clinic"]),
    ],
)  # fmt: skip
def test_the_text_names_vaccines_and_dates_in_the_parents_language(
    tmp_path: Path, locale: str, expected: list[str]
) -> None:
    result = run("reminders", "plan", "--birth-date", "2024-01-31", "--given", "hepb:1,bcg:1",
                 "--as-of", "2024-04-01", "--locale", locale, data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, (text, result.stdout)


def test_the_text_shows_what_is_overdue_and_the_catch_up_plan(tmp_path: Path) -> None:
    result = run("reminders", "plan", "--birth-date", "2021-03-31", "--as-of", "2025-03-01",
                 "--given", "hepb:3,dtap:3@2021-09-30,mmr:1", data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    overdue = lines.index("已逾期，请尽快补种（补种计划）：")
    assert lines[overdue + 1] == "  卡介苗 第1剂：已过了2021年6月30日，2025年3月1日起补种 *"
    assert "    3月龄以后补种卡介苗，要先做结核菌素（PPD）试验，结果阴性才补种。" in lines
    assert "  脊灰灭活疫苗 第2剂：已过了2022年3月31日，2025年3月29日起补种 *" in lines


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--birth-date", "2024-02-30"], "--birth-date '2024-02-30' is not a date (YYYY-MM-DD)"),
        (["--birth-date", "2024-01-01", "--as-of", "yesterday"], "--as-of 'yesterday' is not a date"),
        (["--birth-date", "2099-01-01"], "--birth-date 2099-01-01 is in the future"),
        (["--birth-date", "2025-05-01", "--as-of", "2025-04-01"], "--birth-date 2025-05-01 is in the future"),
        (["--birth-date", "2024-01-01", "--given", "flu:1"], "unknown vaccine 'flu'"),
        (["--birth-date", "2024-01-01", "--given", "hepb:4"], "'hepb:4': hepb has doses 1 to 3"),
        (["--birth-date", "2024-01-01", "--given", "hepb"], "'hepb' is not a given dose like hepb:1"),
        (["--birth-date", "2024-01-01", "--given", "hepb:1@2023-01-01"], "outside"),
        (["--birth-date", "2024-01-01", "--locale", "fr"], "--locale 'fr' is not one of"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_code_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = run("reminders", "plan", *arguments, data_dir=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
