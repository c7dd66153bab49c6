"""A report's table drawn on the server as inline SVG for the console's reports page: no script, no
library, nothing fetched (the console's CSP allows none of them).

Bars are horizontal (long Chinese labels read on a tablet), one per row, their length proportional to
the value; lines are one polyline per series over the x labels (weeks), broken where a figure is
hidden. A suppressed cell ("<5") is never drawn as a length or a point: its row shows "<5" and no bar.
Every label goes through `escape`; the SVG carries a <title> and <desc> for screen readers, and the
page puts the table with the same figures beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.reports import Table
from bot.reports.report import Cell

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 56
ROW_HEIGHT = 26
BAR_HEIGHT = 18
MAX_BARS = 30
LINE_HEIGHT = 240
PADDING = 32
COLOURS = ("#1f5f8b", "#d9822b", "#3a8f5c", "#8b3a8f", "#c0262d", "#5b6770", "#2b9bd9", "#8f7a3a")
BAR_SPACE = WIDTH - LABEL_WIDTH - VALUE_WIDTH


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: hidden ("<5") or empty
    shown: str  # what the reader is told: the number, "<5", or "-"


def number(cell: Cell) -> float | None:
    """A cell's value to draw, or None (suppressed, empty, a word)."""
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    return float(cell)


def shown(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, float):
        return f"{cell:g}"
    return str(cell)


def bar_lengths(values: Sequence[float | None], width: float = BAR_SPACE) -> list[float | None]:
    """Each value as a length out of `width`, the largest the whole width; None stays None (nothing
    drawn), a negative value is drawn as 0."""
    largest = max((value for value in values if value is not None), default=0.0)
    if largest <= 0:
        return [None if value is None else 0.0 for value in values]
    return [None if value is None else max(value, 0.0) / largest * width for value in values]


def points(table: Table) -> list[Point]:
    """The rows of a bar chart: its label (with the series, when there is one) and its value."""
    chart = table.chart
    if chart is None:
        return []
    column = table.columns.index
    label_at, value_at = column(chart.label), column(chart.value)
    series_at = column(chart.series) if chart.series else None
    found = []
    for row in table.rows:
        label = shown(row[label_at])
        if series_at is not None:
            label = f"{label} · {shown(row[series_at])}"
        found.append(Point(label, number(row[value_at]), shown(row[value_at])))
    return found


def svg(table: Table, title: str, description: str) -> str:
    """The table's chart as an <svg> element (an empty string when it has no chart or no rows)."""
    if table.chart is None or not table.rows:
        return ""
    if table.chart.kind == "line":
        return line_chart(table, title, description)
    return bar_chart(points(table), title, description)


def _open(width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]


def bar_chart(rows: Sequence[Point], title: str, description: str) -> str:
    rows = list(rows)[:MAX_BARS]
    height = len(rows) * ROW_HEIGHT + 8
    parts = _open(WIDTH, height, title, description)
    lengths = bar_lengths([row.value for row in rows])
    for index, (row, length) in enumerate(zip(rows, lengths, strict=True)):
        top = 4 + index * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2 + 5
        parts.append(f'<g class="row"><title>{escape(row.label)}: {escape(row.shown)}</title>')
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.0f}" text-anchor="end" class="label">'
            f"{escape(_short(row.label))}</text>"
        )
        if length is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{middle:.0f}" class="hidden-value">'
                f"{escape(row.shown)}</text>"
            )
        else:
            bar_top = top + (ROW_HEIGHT - BAR_HEIGHT) / 2
            parts.append(
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{bar_top:.1f}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" fill="{COLOURS[0]}"/>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{middle:.0f}" class="value">'
                f"{escape(row.shown)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def line_chart(table: Table, title: str, description: str) -> str:
    chart = table.chart
    assert chart is not None
    column = table.columns.index
    label_at, value_at = column(chart.label), column(chart.value)
    series_at = column(chart.series) if chart.series else None
    xs = sorted({shown(row[label_at]) for row in table.rows})
    series: dict[str, dict[str, Cell]] = {}
    for row in table.rows:
        name = shown(row[series_at]) if series_at is not None else title
        series.setdefault(name, {})[shown(row[label_at])] = row[value_at]
    names = sorted(series)[: len(COLOURS)]
    largest = max(
        (value for name in names for cell in series[name].values() if (value := number(cell)) is not None),
        default=0.0,
    )
    legend_height = 22 * len(names)
    height = LINE_HEIGHT + PADDING * 2 + legend_height
    left, right = PADDING * 2, WIDTH - PADDING
    step = (right - left) / max(len(xs) - 1, 1)
    bottom = PADDING + LINE_HEIGHT

    def y_of(value: float) -> float:
        return bottom - (value / largest * LINE_HEIGHT if largest > 0 else 0.0)

    parts = _open(WIDTH, height, title, description)
    parts.append(
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#9aa5ad"/>'
    )
    parts.append(f'<text x="{left - 6}" y="{PADDING + 4}" text-anchor="end" class="value">{largest:g}</text>')
    parts.append(f'<text x="{left - 6}" y="{bottom}" text-anchor="end" class="value">0</text>')
    for index, x_label in enumerate(xs):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" class="label">'
            f"{escape(_short(x_label[5:] if len(x_label) == 10 else x_label))}</text>"
        )
    for number_of, name in enumerate(names):
        colour = COLOURS[number_of]
        run: list[str] = []
        runs: list[list[str]] = []
        for index, x_label in enumerate(xs):
            cell = series[name].get(x_label)
            value = number(cell)
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            x, y = left + index * step, y_of(value)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                f"<title>{escape(name)} {escape(x_label)}: {escape(shown(cell))}</title></circle>"
            )
        if run:
            runs.append(run)
        for piece in runs:
            parts.append(
                f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(piece)}"/>'
            )
        legend_y = bottom + 40 + 22 * number_of
        parts.append(f'<rect x="{left}" y="{legend_y - 11}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{left + 20}" y="{legend_y}" class="label">{escape(_short(name))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


__all__ = ["Point", "bar_chart", "bar_lengths", "line_chart", "points", "svg"]
