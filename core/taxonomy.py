"""The fixed label space (intents, topics, vaccines) of spec/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, read_schema

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"
LISTS = ("topics", "intents", "vaccines")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


class TaxonomyFile(BaseModel):
    """The schema of taxonomy.yaml: three lists of ASCII snake_case ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topics: tuple[_Entry, ...] = Field(min_length=1)
    intents: tuple[_Entry, ...] = Field(min_length=1)
    vaccines: tuple[_Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[str, ...]
    intents: tuple[str, ...]
    vaccines: tuple[str, ...]
    topic_notes: dict[str, str]


def _notes(text: str) -> dict[str, str]:
    """The comment after each `- id:` as its note."""
    notes: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- id:") and "#" in stripped:
            ident, note = stripped[len("- id:") :].split("#", 1)
            notes[ident.strip()] = note.strip()
    return notes


def read_taxonomy(path: Path = TAXONOMY_FILE) -> tuple[Taxonomy | None, list[Problem]]:
    """The taxonomy and every problem of its file (schema, duplicate ids)."""
    source, raw, problems = read_schema(path, TaxonomyFile)
    if source is None or raw is None:
        return None, problems
    for key in LISTS:
        seen: set[str] = set()
        for position, entry in enumerate(getattr(raw, key)):
            if entry.id in seen:
                line = source.line_of((key, position, "id"))
                problems.append(Problem(source.display, line, f"'{key}': duplicate id '{entry.id}'"))
            seen.add(entry.id)
    taxonomy = Taxonomy(
        topics=tuple(entry.id for entry in raw.topics),
        intents=tuple(entry.id for entry in raw.intents),
        vaccines=tuple(entry.id for entry in raw.vaccines),
        topic_notes=_notes(path.read_text(encoding="utf-8")),
    )
    return taxonomy, problems


def check_taxonomy(path: Path = TAXONOMY_FILE) -> list[Problem]:
    return read_taxonomy(path)[1]


def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """The taxonomy, or DataFileError listing every problem of its file."""
    taxonomy, problems = read_taxonomy(path)
    if problems or taxonomy is None:
        raise DataFileError(problems)
    return taxonomy
