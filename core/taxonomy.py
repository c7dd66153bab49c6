"""The fixed label space (intents, topics, vaccines) of spec/taxonomy.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[str, ...]
    intents: tuple[str, ...]
    vaccines: tuple[str, ...]
    topic_notes: dict[str, str]


def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """Read the ids, and the comment after each topic id as its note."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    notes: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- id:") and "#" in stripped:
            ident, note = stripped[len("- id:") :].split("#", 1)
            notes[ident.strip()] = note.strip()
    return Taxonomy(
        topics=tuple(entry["id"] for entry in data["topics"]),
        intents=tuple(entry["id"] for entry in data["intents"]),
        vaccines=tuple(entry["id"] for entry in data["vaccines"]),
        topic_notes=notes,
    )
