"""The CSV a report is downloaded as (bot/reports/render.py, the console's NAME.csv and `tongxing report
--format csv`): no cell a spreadsheet opens can run as a formula, whatever text it holds, and nothing
else of the text changes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.render import FORMULA_STARTS, GUARD, spreadsheet_safe, to_csv
from bot.reports.report import Report, Scope, Table

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
risky = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), cells)


def _report(texts: list[str], note: str) -> Report:
    table = Table("主题", ("theme", "questions", "examples"), tuple((text, 5, text) for text in texts))
    return Report("gaps", "知识库的缺口", Scope("fujian"), date(2026, 11, 1), NOW, NOW, (table,), (note,))


def _read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(st.lists(st.one_of(cells, risky), min_size=1, max_size=8), st.one_of(cells, risky))
@settings(max_examples=300, deadline=None)
def test_no_csv_cell_starts_like_a_formula_and_each_text_is_kept_after_its_guard(
    texts: list[str], note: str
) -> None:
    rows = _read_back(to_csv(_report(texts, note)))
    for row in rows:
        for cell in row:
            assert cell == "-" or not cell.startswith(FORMULA_STARTS), cell
    body = rows[rows.index(["theme", "questions", "examples"]) + 1 :]
    for text, row in zip(texts, body, strict=True):
        expected = GUARD + text if text != "-" and text.startswith(FORMULA_STARTS) else text
        assert row == [expected, "5", expected]
    assert ["# note", GUARD + note if note != "-" and note.startswith(FORMULA_STARTS) else note] in rows


def test_a_formula_in_a_theme_is_written_as_text() -> None:
    rows = _read_back(to_csv(_report(['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-1+2"], "ok")))
    assert ['\'=HYPERLINK("http://x","y")', "5", '\'=HYPERLINK("http://x","y")'] in rows
    assert ["'@SUM(A1)", "5", "'@SUM(A1)"] in rows
    assert ["'+1", "5", "'+1"] in rows and ["'-1+2", "5", "'-1+2"] in rows


def test_numbers_the_lone_dash_and_plain_words_are_written_as_they_are() -> None:
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe(2.5) == 2.5
    assert spreadsheet_safe("-") == "-"  # a place not known: text to every spreadsheet
    assert spreadsheet_safe("<5") == "<5"
    assert spreadsheet_safe("居住证 医保") == "居住证 医保"
    assert spreadsheet_safe("\tx") == "'\tx" and spreadsheet_safe("\rx") == "'\rx"
