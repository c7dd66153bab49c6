"""Import a city's service list from a spreadsheet: all or nothing.

The sheet is parsed, written as `cities/<province>/<city>.yaml` into a copy of
the knowledge base, and the whole copy is checked (schema, sources, coverage of
the province list). Only when everything passes is the file moved into place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.yamlfile import load_text
from knowledge.schema import Document
from knowledge.sheet import parse_rows, read_rows
from knowledge.validator import DOCUMENTS, check_knowledge


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    target: Path
    services: int = 0
    sha256: str = ""
    problems: list[str] = field(default_factory=list)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(entry) for key, entry in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(entry) for entry in value]
    return value


def import_city_sheet(
    sheet: Path,
    knowledge_dir: Path,
    province: str,
    city: str,
    taxonomy: Taxonomy,
    lexicon: Lexicon,
    document: Document | None = None,
) -> ImportResult:
    target = knowledge_dir / "cities" / province / f"{city}.yaml"
    try:
        rows = read_rows(sheet)
    except (ValueError, OSError) as error:
        return ImportResult(False, target, problems=[f"{sheet.name}: cannot read the sheet: {error}"])
    except Exception as error:  # openpyxl raises many types on a corrupt workbook
        return ImportResult(
            False, target, problems=[f"{sheet.name}: not a readable spreadsheet ({type(error).__name__})"]
        )
    services, sheet_problems = parse_rows(rows)
    if sheet_problems:
        return ImportResult(
            False, target, problems=[f"{sheet.name}: {problem}" for problem in sheet_problems]
        )
    content = dump_yaml(
        _jsonable(
            {"layer": "city", "province": province, "city": city, "title": sheet.stem, "services": services}
        )
    )
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "knowledge" / "data"
        shutil.copytree(knowledge_dir, copy)
        if document is not None:
            _register(copy / DOCUMENTS, document)
        staged = copy / "cities" / province / f"{city}.yaml"
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(content, encoding="utf-8")
        _, problems = check_knowledge(copy, taxonomy, lexicon)
        if problems:
            return ImportResult(
                False, target, problems=[_explain(str(problem), sheet, services) for problem in problems]
            )
        registered = (copy / DOCUMENTS).read_text(encoding="utf-8")
    if document is not None:
        _atomic_write(knowledge_dir / DOCUMENTS, registered)
    _atomic_write(target, content)
    digest = hashlib.sha256(sheet.read_bytes()).hexdigest()
    return ImportResult(True, target, services=len(services), sha256=digest)


def _explain(problem: str, sheet: Path, services: list[dict[str, Any]]) -> str:
    """Point a knowledge-base problem about the staged file back to the sheet's row where possible."""
    for number, service in enumerate(services, start=2):
        if f"'{service.get('id')}'" in problem:
            return f"{sheet.name}: row {number}: {problem.split(': ', 1)[-1]}"
    return f"{sheet.name}: {problem.split(': ', 1)[-1]}"


def _register(path: Path, document: Document) -> None:
    data = load_text(path.read_text(encoding="utf-8"))
    if any(entry.get("id") == document.id for entry in data["documents"]):
        return
    data["documents"].append(_jsonable(document.model_dump(exclude_none=True)))
    path.write_text(dump_yaml(data), encoding="utf-8")


def _atomic_write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(content)
    os.replace(temporary, path)
