"""City service lists as spreadsheets (.xlsx or .csv), the way civil-affairs staff fill them in.

One row per service, one column per field (Chinese headers). Cells that hold
lists take one entry per line (or separated by "；"); contacts are "名称:电话:说明",
terms "词:解释", further sources "文件|条目|原文", yes/no cells 是/否.
Reading never raises on a malformed sheet: it returns the
services it could read and every problem as row/column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from knowledge.catalog import Item
from knowledge.schema import Service


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text | int | list | date | contacts | terms | sources | bool


COLUMNS: tuple[Column, ...] = (
    Column("编号", "id", "text"),
    Column("主题", "topic", "text"),
    Column("服务项目", "title", "text"),
    Column("一句话说明", "summary", "text"),
    Column("服务对象", "audience.description", "text"),
    Column("最小年龄", "audience.age_min", "int"),
    Column("最大年龄", "audience.age_max", "int"),
    Column("学段", "audience.stages", "list"),
    Column("条件", "audience.conditions", "list"),
    Column("服务内容", "provides", "list"),
    Column("办理步骤", "how.steps", "list"),
    Column("材料", "how.materials", "list"),
    Column("办理地点", "how.where", "text"),
    Column("责任部门", "how.department", "text"),
    Column("办理地", "handled_at", "text"),
    Column("办理说明", "handling_note", "text"),
    Column("联系方式", "contacts", "contacts"),
    Column("来源文件", "source.document", "text"),
    Column("来源条目", "source.item", "text"),
    Column("来源日期", "source.date", "date"),
    Column("来源原文", "source.quote", "text"),
    Column("其他来源", "also_sources", "sources"),
    Column("由正文推导", "derived", "bool"),
    Column("覆盖省级条目", "covers", "list"),
    Column("尚不明确", "unknowns", "list"),
    Column("名词解释", "terms", "terms"),
    Column("常见问法", "keywords", "list"),
    Column("最后核对", "last_reviewed", "date"),
)
REQUIRED_HEADERS = {
    "编号",
    "主题",
    "服务项目",
    "服务对象",
    "服务内容",
    "办理步骤",
    "办理地点",
    "责任部门",
    "办理地",
    "来源文件",
    "来源条目",
    "覆盖省级条目",
    "最后核对",
}
_BY_FIELD = {column.field: column for column in COLUMNS}


@dataclass(frozen=True)
class SheetProblem:
    row: int  # 1-based sheet row (the header is row 1); 0 for the sheet as a whole
    column: str | None  # header text
    letter: str | None
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if self.column:
            return f"row {self.row}, column {self.column} ({self.letter}): {self.message}"
        return f"row {self.row}: {self.message}"


def _split(value: str) -> list[str]:
    parts = value.replace("；", "\n").replace(";", "\n").splitlines()
    return [part.strip(" \t-•·") for part in parts if part.strip(" \t-•·")]


def _pair(value: str) -> tuple[str, str]:
    for separator in ("：", ":"):
        if separator in value:
            left, right = value.split(separator, 1)
            return left.strip(), right.strip()
    return value.strip(), ""


def _cell_value(kind: str, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError("expected a whole number")
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, int):
            return raw
        text = str(raw).strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"'{text}' is not a whole number")
        return int(text)
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = str(raw).strip().replace("/", "-").replace(".", "-")
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"'{raw}' is not a date (YYYY-MM-DD)") from error
    text = str(raw).strip()
    if kind == "list":
        return _split(text)
    if kind == "bool":
        if text.lower() in {"是", "yes", "true", "1", "y"}:
            return True
        if text.lower() in {"否", "no", "false", "0", "n"}:
            return False
        raise ValueError(f"'{text}' is not 是 or 否")
    if kind == "contacts":
        contacts = []
        for line in text.splitlines():
            if line.strip():
                name, rest = _pair(line)
                phone, note = _pair(rest) if rest else ("", "")
                contacts.append({"name": name, "phone": phone or None, "note": note or None})
        return contacts
    if kind == "sources":
        sources = []
        for line in text.splitlines():
            if line.strip():
                parts = [part.strip() for part in line.split("|")]
                if len(parts) < 2:
                    raise ValueError(f"'{line}' should be 文件|条目 or 文件|条目|原文")
                sources.append({"document": parts[0], "item": parts[1], "quote": "|".join(parts[2:]) or None})
        return sources
    if kind == "terms":
        return dict(_pair(line) for line in text.splitlines() if line.strip())
    return text


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        target = nested
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    for required in ("audience", "how", "source"):
        nested.setdefault(required, {})
    return nested


def read_rows(path: Path) -> list[list[Any]]:
    """The sheet's rows as lists of cell values (.xlsx: the first sheet; .csv: UTF-8, BOM allowed)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        return [list(row) for row in csv.reader(io.StringIO(text))]
    if suffix in {".xlsx", ".xlsm"}:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    raise ValueError(f"unsupported file type '{suffix}': use .xlsx or .csv")


def parse_rows(rows: list[list[Any]]) -> tuple[list[dict[str, Any]], list[SheetProblem]]:
    """Service dicts (ready for the YAML file) and every problem, by row and column."""
    problems: list[SheetProblem] = []
    if not rows:
        return [], [SheetProblem(0, None, None, "the sheet is empty")]
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    known = {column.header: column for column in COLUMNS}
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name in known:
            positions[name] = position
        elif name not in {"层级", "省", "市"}:
            problems.append(SheetProblem(1, name, get_column_letter(position + 1), "unknown column"))
    for missing in sorted(REQUIRED_HEADERS - set(positions), key=list(known).index):
        problems.append(SheetProblem(1, missing, None, "required column is missing"))
    if problems:
        return [], problems
    services: list[dict[str, Any]] = []
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or not str(cell).strip() for cell in row):
            continue
        flat: dict[str, Any] = {}
        row_ok = True
        for name, position in positions.items():
            column = known[name]
            raw = row[position] if position < len(row) else None
            try:
                flat[column.field] = _cell_value(column.kind, raw)
            except ValueError as error:
                problems.append(SheetProblem(number, name, get_column_letter(position + 1), str(error)))
                row_ok = False
        if not row_ok:
            continue
        data = _nest(flat)
        try:
            Service.model_validate(data)
        except ValidationError as error:
            for entry in error.errors():
                problems.append(_row_problem(number, tuple(entry["loc"]), str(entry["msg"]), positions))
            continue
        services.append(data)
    if not services and not problems:
        problems.append(SheetProblem(0, None, None, "the sheet has no service rows"))
    return services, problems


def _row_problem(number: int, loc: tuple[Any, ...], message: str, positions: dict[str, int]) -> SheetProblem:
    message = message.removeprefix("Value error, ")
    for depth in range(len(loc), 0, -1):
        field = ".".join(str(part) for part in loc[:depth] if not isinstance(part, int))
        column = _BY_FIELD.get(field)
        if column is not None:
            position = positions.get(column.header)
            letter = get_column_letter(position + 1) if position is not None else None
            if message == "Field required":
                message = "this cell must not be empty"
            return SheetProblem(number, column.header, letter, message)
    return SheetProblem(number, None, None, message)


def _cell_text(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "list":
        return "\n".join(str(entry) for entry in value) or None
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "contacts":
        return (
            "\n".join(f"{c['name']}:{c.get('phone') or ''}:{c.get('note') or ''}".rstrip(":") for c in value)
            or None
        )
    if column.kind == "sources":
        return (
            "\n".join(f"{c['document']}|{c['item']}|{c.get('quote') or ''}".rstrip("|") for c in value)
            or None
        )
    if column.kind == "terms":
        return "\n".join(f"{term}:{meaning}" for term, meaning in value.items()) or None
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


def service_row(service: Service) -> list[Any]:
    data = service.model_dump(mode="python", exclude_none=True)
    row = []
    for column in COLUMNS:
        value: Any = data
        for part in column.field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, tuple):
            value = [str(entry) if not isinstance(entry, dict) else entry for entry in value]
        row.append(_cell_text(column, value))
    return row


def template_for_city(items: list[Item], city: str) -> list[Service]:
    """A city's starting sheet: the province items, renamed and marked as covering the originals."""
    return [
        item.service.model_copy(update={"id": f"{city}_{item.id}", "covers": (item.id,)}) for item in items
    ]


def write_sheet(path: Path, services: list[Service]) -> None:
    header = [column.header for column in COLUMNS]
    rows = [service_row(service) for service in services]
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
        return
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "services"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
