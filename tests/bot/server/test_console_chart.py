"""The reports page's charts, drawn on the server as SVG: values to bar lengths, a suppressed cell
never drawn as a length or a number, every label escaped, a title for screen readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from bot.reports import Chart, Table
from bot.server.console_chart import BAR_SPACE, bar_lengths, svg

NS = "{http://www.w3.org/2000/svg}"


def bars(drawn: str) -> list[ET.Element]:
    return list(ET.fromstring(drawn).iter(f"{NS}rect"))


def table(rows: tuple[tuple[object, ...], ...], kind: str = "bar", series: str | None = None) -> Table:
    columns = ("topic", "questions") if series is None else ("week", "topic", "questions")
    label = "topic" if series is None else "week"
    return Table("各类问题的数量", columns, rows, Chart(kind, label, "questions", series))  # type: ignore[arg-type]


def test_the_largest_value_fills_the_width_and_the_others_are_in_proportion() -> None:
    drawn = svg(table((("school", 40), ("health", 10), ("hukou", 0))), "问题", "说明")
    widths = [float(rect.get("width", "nan")) for rect in bars(drawn)]
    assert widths == [BAR_SPACE, BAR_SPACE / 4, 0.0]


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e6), st.integers(0, 10**6)), min_size=1, max_size=40))
def test_bar_lengths_keep_the_order_of_the_values_and_never_exceed_the_width(
    values: list[float | None],
) -> None:
    lengths = bar_lengths(values, 500)
    assert [length is None for length in lengths] == [value is None for value in values]
    pairs = [(v, n) for v, n in zip(values, lengths, strict=True) if v is not None and n is not None]
    for value, length in pairs:
        assert 0 <= length <= 500 + 1e-9
        for other, other_length in pairs:
            if value < other:
                assert length <= other_length


def test_a_suppressed_cell_is_shown_as_less_than_five_and_never_drawn_as_a_bar_or_a_number() -> None:
    drawn = svg(table((("school", 12), ("health", "<5"), ("hukou", 7))), "问题", "说明")
    assert len(bars(drawn)) == 2  # school and hukou; health has no bar
    root = ET.fromstring(drawn)
    health = next(g for g in root.iter(f"{NS}g") if "health" in "".join(g.itertext()))
    assert health.find(f"{NS}rect") is None
    assert "<5" in "".join(health.itertext())
    numbers = [text.text for text in root.iter(f"{NS}text") if text.get("class") == "value"]
    assert numbers == ["12", "7"]


def test_a_suppressed_point_breaks_the_line_instead_of_being_drawn() -> None:
    rows = (
        ("2026-11-02", "school", 9),
        ("2026-11-09", "school", "<5"),
        ("2026-11-16", "school", 6),
        ("2026-11-23", "school", 8),
    )
    root = ET.fromstring(svg(table(rows, "line", series="topic"), "每周", "说明"))
    assert len(list(root.iter(f"{NS}circle"))) == 3
    lines = [line.get("points", "").split() for line in root.iter(f"{NS}polyline")]
    assert sorted(len(points) for points in lines) == [1, 2]  # before and after the hidden week


def test_labels_are_escaped_and_the_chart_has_a_title_for_screen_readers() -> None:
    hostile = '<script>alert("x")</script>&'
    drawn = svg(table(((hostile, 5),)), "标题 <b>", "说明")
    assert "<script>" not in drawn and "<b>" not in drawn
    root = ET.fromstring(drawn)  # still well-formed XML
    assert root.get("role") == "img"
    assert root.find(f"{NS}title") is not None and root.find(f"{NS}title").text == "标题 <b>"  # type: ignore[union-attr]
    assert any(hostile[:10] in "".join(text.itertext()) for text in root.iter(f"{NS}text"))


def test_a_table_without_a_chart_or_rows_draws_nothing() -> None:
    assert svg(Table("t", ("a",), (("x",),)), "t", "d") == ""
    assert svg(table(()), "t", "d") == ""
