"""Small-cell suppression, applied here and nowhere else: every report's tables pass through
`suppress` before anyone sees them.

The rule:
1. Primary: a count of at least 1 and fewer than MIN_FAMILIES (5) distinct families is shown as
   "<5" (SUPPRESSED). A count of 0 is shown: it says nobody, which names nobody.
2. Complementary: a table declares the groups of cells whose sum is shown or can be known (a total
   and the cells it adds up, the columns that add up to another column). When a group holds exactly
   one suppressed cell, the smallest other non-zero cell of the group is suppressed too, and this is
   repeated until no group has exactly one, so a suppressed count can never be recovered as a total
   minus the cells shown.
3. A share (Ratio) is shown only when both its counts are shown.
What the rule does not cover: differences between two reports of different periods or scopes; a
report shows no totals over places, and the periods it offers start at whole days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.reports.report import Cell, Count, Ratio, RawCell, RawTable, Table

MIN_FAMILIES = 5
SUPPRESSED = "<5"


def is_small(count: Count) -> bool:
    return 0 < count.families < MIN_FAMILIES or (count.families == 0 and count.value > 0)


Position = tuple[int, int, int]  # table, row, column


def suppress(tables: Sequence[RawTable], groups: Iterable[Sequence[Position]] = ()) -> tuple[Table, ...]:
    """The tables as they may be shown. `groups` are sums across tables (a table of totals and the
    table of the cells they add up); each table's own `totals` are groups too."""
    cells: dict[Position, RawCell] = {
        (t, r, c): cell
        for t, table in enumerate(tables)
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row)
    }
    every_group = [list(group) for group in groups]
    every_group += [[(t, r, c) for r, c in group] for t, table in enumerate(tables) for group in table.totals]
    hidden = {at for at, cell in cells.items() if isinstance(cell, Count) and is_small(cell)}
    changed = True
    while changed:
        changed = False
        for group in every_group:
            members = [at for at in group if isinstance(cells.get(at), Count)]
            if sum(1 for member in members if member in hidden) != 1:
                continue
            candidates = [at for at in members if at not in hidden and _value(cells[at]) > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda at: (_value(cells[at]), at)))
                changed = True
    return tuple(
        Table(
            title=table.title,
            columns=table.columns,
            rows=tuple(
                tuple(_shown(cell, (t, r, c) in hidden) for c, cell in enumerate(row))
                for r, row in enumerate(table.rows)
            ),
            chart=table.chart,
            labels=table.labels,
            note=table.note,
        )
        for t, table in enumerate(tables)
    )


def _value(cell: RawCell) -> int:
    return cell.value if isinstance(cell, Count) else 0


def _shown(cell: RawCell, hidden: bool) -> Cell:
    if isinstance(cell, Count):
        return SUPPRESSED if hidden else cell.value
    if isinstance(cell, Ratio):
        if is_small(cell.numerator) or is_small(cell.denominator) or cell.denominator.value == 0:
            return None
        return round(100.0 * cell.numerator.value / cell.denominator.value, 1)
    return cell
