"""City lists from spreadsheets: export -> import round trip; malformed sheets change nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from knowledge.catalog import KnowledgeBase
from knowledge.city_import import import_city_sheet
from knowledge.schema import Document
from knowledge.sheet import COLUMNS, parse_rows, read_rows, template_for_city, write_sheet
from knowledge.validator import load_knowledge


def _template(kb: KnowledgeBase, path: Path) -> Path:
    write_sheet(path, template_for_city(list(kb.layer("province", "fujian")), "xiamen"))
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exported_province_template_imports_as_a_complete_city_list(
    suffix: str, kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    sheet = _template(kb, tmp_path / f"xiamen{suffix}")
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
    assert result.ok, result.problems
    assert result.services == len(kb.layer("province", "fujian"))
    loaded = load_knowledge(kb_copy, taxonomy, lexicon)
    city_items = loaded.layer("city", "fujian", "xiamen")
    originals = {item.id: item.service for item in kb.layer("province", "fujian")}
    for item in city_items:
        original = originals[item.service.covers[0]]
        assert item.service.model_copy(update={"id": original.id, "covers": ()}) == original


def test_sheet_round_trip_keeps_every_field(kb: KnowledgeBase, tmp_path: Path) -> None:
    services = [item.service for item in kb.items]
    path = tmp_path / "all.xlsx"
    write_sheet(path, services)
    parsed, problems = parse_rows(read_rows(path))
    assert problems == []
    assert len(parsed) == len(services)


def _edit_csv(path: Path, row: int, header: str, value: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(header)] = value
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_malformed_cells_are_reported_by_row_and_column_and_nothing_is_written(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    sheet = _template(kb, tmp_path / "xiamen.csv")
    _edit_csv(sheet, 3, "最小年龄", "三岁")
    _edit_csv(sheet, 5, "办理地", "somewhere")
    _edit_csv(sheet, 6, "服务项目", "")
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
    assert not result.ok
    text = "\n".join(result.problems)
    assert "row 3, column 最小年龄 (F): '三岁' is not a whole number" in text
    assert "row 5, column 办理地 (O):" in text
    assert "row 6, column 服务项目 (C): this cell must not be empty" in text
    assert not (kb_copy / "cities" / "fujian" / "xiamen.yaml").exists()


def test_unknown_topic_in_sheet_is_reported_at_its_row(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    sheet = _template(kb, tmp_path / "xiamen.csv")
    _edit_csv(sheet, 4, "主题", "kindergarden")
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
    assert not result.ok
    assert any(
        "row 4:" in problem and "unknown topic 'kindergarden'" in problem for problem in result.problems
    )
    assert not (kb_copy / "cities" / "fujian" / "xiamen.yaml").exists()


def test_city_sheet_missing_a_province_item_is_refused(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    services = template_for_city(list(kb.layer("province", "fujian")), "xiamen")[1:]
    sheet = tmp_path / "xiamen.xlsx"
    write_sheet(sheet, services)
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
    assert not result.ok
    assert any("不得低于省级清单" in problem for problem in result.problems)
    assert not (kb_copy / "cities" / "fujian" / "xiamen.yaml").exists()


def test_missing_required_column_is_reported(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    sheet = _template(kb, tmp_path / "xiamen.xlsx")
    workbook = load_workbook(sheet)
    workbook.active.delete_cols([column.header for column in COLUMNS].index("来源文件") + 1)  # type: ignore[union-attr]
    workbook.save(sheet)
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
    assert not result.ok
    assert any(
        "column 来源文件" in problem and "required column is missing" in problem
        for problem in result.problems
    )


def test_corrupt_or_unsupported_files_are_refused_cleanly(
    kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    corrupt = tmp_path / "list.xlsx"
    corrupt.write_bytes(b"not a zip file at all")
    odd = tmp_path / "list.pdf"
    odd.write_bytes(b"%PDF")
    empty = tmp_path / "list.csv"
    empty.write_text("", encoding="utf-8")
    for sheet in (corrupt, odd, empty):
        result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon)
        assert not result.ok and result.problems
    assert not (kb_copy / "cities").exists() or not any((kb_copy / "cities").rglob("*.yaml"))


def test_import_can_register_the_city_lists_own_document(
    kb: KnowledgeBase, kb_copy: Path, tmp_path: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    services = [
        service.model_copy(
            update={
                "source": service.source.model_copy(update={"document": "xiamen_list_2026", "item": "第1项"})
            }
        )
        for service in template_for_city(list(kb.layer("province", "fujian")), "xiamen")
    ]
    sheet = tmp_path / "xiamen.xlsx"
    write_sheet(sheet, services)
    document = Document(
        id="xiamen_list_2026",
        title="厦门市流动儿童关爱服务清单",
        issuer="厦门市民政局",
        date="2026-03-01",
        kind="city_list",
    )  # type: ignore[arg-type]
    result = import_city_sheet(sheet, kb_copy, "fujian", "xiamen", taxonomy, lexicon, document)
    assert result.ok, result.problems
    loaded = load_knowledge(kb_copy, taxonomy, lexicon)
    assert loaded.documents["xiamen_list_2026"].issuer == "厦门市民政局"
