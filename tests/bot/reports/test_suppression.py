"""Small-cell suppression (bot/reports/suppression.py), with generated tables: a count of fewer
than 5 families is never shown, a shown count is the true one, and no group whose sum is known
(a total and its parts) ever holds exactly one hidden count (it could be recovered by subtraction)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reports.report import Count, Ratio, RawTable
from bot.reports.suppression import MIN_FAMILIES, SUPPRESSED, suppress

KINDS = ("helpful", "not_helpful", "human")
# what a report counts: (row, kind, family) events, as the turn log holds them
events = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(KINDS), st.integers(0, 12)), min_size=0, max_size=120
)


def _table(found: list[tuple[int, str, int]]) -> tuple[RawTable, list[list[Count]]]:
    rows = sorted({row for row, _, _ in found})
    counts: list[list[Count]] = []
    for row in rows:
        mine = [(kind, family) for r, kind, family in found if r == row]
        cells = [
            Count(sum(1 for k, _ in mine if k == kind), len({f for k, f in mine if k == kind}))
            for kind in KINDS
        ]
        cells.append(Count(len(mine), len({f for _, f in mine})))
        counts.append(cells)
    table = RawTable(
        "t",
        ("row", *KINDS, "total"),
        tuple((f"r{row}", *cells) for row, cells in zip(rows, counts, strict=True)),
        totals=tuple(tuple((r, c) for c in range(1, 5)) for r in range(len(rows))),
    )
    return table, counts


@given(events)
@settings(max_examples=200, deadline=None)
def test_small_counts_are_hidden_and_shown_counts_are_true(found: list[tuple[int, str, int]]) -> None:
    table, counts = _table(found)
    (shown,) = suppress((table,))
    for row, cells in zip(shown.rows, counts, strict=True):
        for value, count in zip(row[1:], cells, strict=True):
            if 0 < count.families < MIN_FAMILIES:
                assert value == SUPPRESSED
            if value != SUPPRESSED:
                assert value == count.value


@given(events)
@settings(max_examples=200, deadline=None)
def test_no_total_has_exactly_one_hidden_part_that_is_not_zero(found: list[tuple[int, str, int]]) -> None:
    table, counts = _table(found)
    (shown,) = suppress((table,))
    for row, cells in zip(shown.rows, counts, strict=True):
        hidden = [count for value, count in zip(row[1:], cells, strict=True) if value == SUPPRESSED]
        others = [c for value, c in zip(row[1:], cells, strict=True) if value != SUPPRESSED and c.value > 0]
        # one hidden cell alone in its group is recoverable, unless nothing else in it can be hidden
        assert len(hidden) != 1 or not others


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_a_share_is_shown_only_when_both_its_counts_are(a: int, fa: int, b: int, fb: int) -> None:
    numerator, denominator = Count(a, min(a, fa)), Count(b, min(b, fb))
    (shown,) = suppress((RawTable("t", ("share",), ((Ratio(numerator, denominator),),)),))
    small = any(
        0 < c.families < MIN_FAMILIES or (c.families == 0 and c.value) for c in (numerator, denominator)
    )
    if small or denominator.value == 0:
        assert shown.rows[0][0] is None
    else:
        assert shown.rows[0][0] == round(100.0 * a / b, 1)


def test_a_group_across_two_tables_hides_the_second_cell_in_the_other_table() -> None:
    totals = RawTable("totals", ("topic", "n"), (("a", Count(20, 12)),))
    parts = RawTable("parts", ("place", "n"), (("x", Count(3, 3)), ("y", Count(17, 9))))
    shown_totals, shown_parts = suppress((totals, parts), [[(0, 0, 1), (1, 0, 1), (1, 1, 1)]])
    assert shown_parts.rows == (("x", SUPPRESSED), ("y", SUPPRESSED))
    assert shown_totals.rows == (("a", 20),)
