"""How often a province's cities must publish their service list again, as data: bot/reports/data/
list_rules.yaml (Fujian: every two years, filed with the province within 10 days)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, read_schema

LIST_RULES_FILE = Path(__file__).resolve().parent / "data" / "list_rules.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Source(_Strict):
    document: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    item: str = Field(min_length=1)
    quote: str = Field(min_length=4)


class _Rule(_Strict):
    every_months: int = Field(ge=1, le=120)
    filed_within_days: int | None = Field(default=None, ge=1, le=365)
    source: _Source


class _RulesFile(_Strict):
    provinces: dict[str, _Rule]


@dataclass(frozen=True)
class ListRule:
    every_months: int
    filed_within_days: int | None
    document: str
    item: str


def check_list_rules(
    path: Path = LIST_RULES_FILE,
    documents: Collection[str] | None = None,
    provinces: Collection[str] | None = None,
) -> tuple[dict[str, ListRule] | None, list[Problem]]:
    source, data, problems = read_schema(path, _RulesFile)
    if data is None or source is None:
        return None, problems
    for province, rule in data.provinces.items():
        where = source.line_of(("provinces", province))
        if provinces is not None and province not in provinces:
            problems.append(Problem(source.display, where, f"unknown province '{province}'"))
        if documents is not None and rule.source.document not in documents:
            problems.append(Problem(source.display, where, f"unknown document '{rule.source.document}'"))
    if problems:
        return None, problems
    return {
        province: ListRule(rule.every_months, rule.filed_within_days, rule.source.document, rule.source.item)
        for province, rule in data.provinces.items()
    }, []


def load_list_rules(path: Path = LIST_RULES_FILE) -> dict[str, ListRule]:
    rules, problems = check_list_rules(path)
    if rules is None:
        raise DataFileError(problems)
    return rules
