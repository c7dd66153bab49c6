"""A report as CSV (one block per table, a title line before each) or JSON (every table with its
columns, rows and chart hint): what `tongxing report` writes and the console's export serves.

A CSV is opened in spreadsheets: every text cell that a spreadsheet would read as a formula (one
beginning with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe
(`spreadsheet_safe`), so a theme, a name or a note can never run as a formula. The lone "-" (a place
or step not known) is text to every spreadsheet and stays as it is."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from bot.reports.report import Cell, Report

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def spreadsheet_safe(cell: Cell | object) -> object:
    """A cell as a CSV may hold it: text a spreadsheet would run as a formula gets GUARD in front."""
    if isinstance(cell, str) and cell != "-" and cell.startswith(FORMULA_STARTS):
        return GUARD + cell
    return cell


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "report": report.name,
            "title": report.title,
            "scope": asdict(report.scope),
            "since": report.since.isoformat(),
            "generated_at": report.now.isoformat(),
            "fresh_as_of": report.fresh_as_of.isoformat(),
            "notes": list(report.notes),
            "tables": [
                {
                    "title": table.title,
                    "columns": list(table.columns),
                    "labels": list(table.labels),
                    "chart": asdict(table.chart) if table.chart else None,
                    "note": table.note,
                    "rows": table.as_dicts(),
                }
                for table in report.tables
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def to_csv(report: Report) -> str:
    out = io.StringIO()
    # a field with a carriage return is quoted only when "\r" is in the line terminator; QUOTE_MINIMAL
    # with "\n" alone would leave it bare and break the row, so such a field is quoted by hand
    rows = csv.writer(out, lineterminator="\n")

    def write(cells: list[object] | tuple[object, ...]) -> None:
        safe = [spreadsheet_safe(cell) for cell in cells]
        if any(isinstance(cell, str) and "\r" in cell for cell in safe):
            csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC).writerow(safe)
        else:
            rows.writerow(safe)

    write(["# report", report.name, report.scope.label(), f"since {report.since.isoformat()}"])
    write(["# fresh as of", report.fresh_as_of.isoformat()])
    for note in report.notes:
        write(["# note", note])
    for table in report.tables:
        write([])
        write([f"# {table.title}"])
        write(table.columns)
        for row in table.rows:
            write(["" if cell is None else cell for cell in row])
    return out.getvalue()


FORMATS = {"csv": to_csv, "json": to_json}
