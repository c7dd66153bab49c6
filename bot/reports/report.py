"""What a report is: a scope (a district, a city, the province), a period, how fresh its figures are,
and tables of plain cells with a chart hint, ready for a page, CSV or JSON (bot/reports/render.py).

A builder fills its tables with `Count`s (a number and how many families it counts) and `Ratio`s;
`bot/reports/suppression.py` turns them into plain cells, a count of fewer than 5 families shown as
"<5". The tables a builder returns are never shown before that: `Report.tables` holds plain cells."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy import ColumnElement, true

Cell = str | int | float | None  # a shown cell: a label, a number, "<5", or None (nothing)


@dataclass(frozen=True)
class Scope:
    """Where a report looks: the province, a city of it, or a district of the city (ids of the
    lexicon: fujian, xiamen, siming). Everything None: every place (an admin's view)."""

    province: str | None = None
    city: str | None = None
    district: str | None = None

    def where(self, table: object) -> ColumnElement[bool]:
        """The condition on a table with province, city and district columns."""
        condition: ColumnElement[bool] = true()
        for column in ("province", "city", "district"):
            value = getattr(self, column)
            if value is not None:
                condition = condition & (getattr(table, column) == value)
        return condition

    def label(self) -> str:
        return "/".join(part for part in (self.province, self.city, self.district) if part) or "all"

    @property
    def place_column(self) -> str:
        """The column one level below the scope: the rows a report breaks its figures into."""
        if self.city is not None:
            return "district"
        if self.province is not None:
            return "city"
        return "province"


@dataclass(frozen=True)
class Count:
    """A number in a cell, and how many distinct families it counts (what suppression looks at)."""

    value: int
    families: int


@dataclass(frozen=True)
class Ratio:
    """A share (numerator / denominator, in percent), hidden whenever either count is suppressed."""

    numerator: Count
    denominator: Count


RawCell = Cell | Count | Ratio


@dataclass(frozen=True)
class Chart:
    """How to draw a table: bars or lines, the column of the labels (x), the column of the values (y),
    and for several lines the column that names each series."""

    kind: Literal["bar", "line"]
    label: str
    value: str
    series: str | None = None


@dataclass(frozen=True)
class Table:
    title: str  # zh_Hans, marked with N_(): a page translates it
    columns: tuple[str, ...]  # ASCII ids (the JSON keys and CSV header)
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart | None = None
    labels: tuple[str, ...] = ()  # zh_Hans headings of the columns, marked with N_()
    note: str = ""

    def as_dicts(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class RawTable:
    """A table as a builder makes it, before suppression. `totals` lists groups of cells (row,
    column) whose sum is shown or known (a total cell, the columns that add up to another): a
    suppressed cell in a group is never the only one (see bot/reports/suppression.py)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[RawCell, ...], ...]
    chart: Chart | None = None
    labels: tuple[str, ...] = ()
    note: str = ""
    totals: tuple[tuple[tuple[int, int], ...], ...] = ()


@dataclass(frozen=True)
class Report:
    name: str
    title: str  # zh_Hans, marked with N_()
    scope: Scope
    since: date
    now: datetime
    fresh_as_of: datetime  # the figures include everything logged before this moment
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
