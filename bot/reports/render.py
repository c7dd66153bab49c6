"""A report as CSV (one block per table, a title line before each) or JSON (every table with its
columns, rows and chart hint): what `tongxing report` writes and the console's export serves."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from bot.reports.report import Report


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
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["# report", report.name, report.scope.label(), f"since {report.since.isoformat()}"])
    writer.writerow(["# fresh as of", report.fresh_as_of.isoformat()])
    for note in report.notes:
        writer.writerow(["# note", note])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([f"# {table.title}"])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()


FORMATS = {"csv": to_csv, "json": to_json}
