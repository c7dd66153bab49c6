"""Rasa 3.x YAML training data (nlu.yml, lookups.yml) read into frozen dataclasses. Synonyms, place
and vaccine names are not here: they live in core/data/lexicon.yaml.

Retrieval intents `ask_entitlement/<topic>` carry the topic; entity markup (`[text](entity)` and
`[text]{"entity": ..., "role": ...}`) is stripped from the text and kept as annotations.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.yamlfile import load_text

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAINING_FILES = ("nlu.yml", "lookups.yml")
ENTITIES = ("province", "city", "district", "age", "birth_date", "grade", "stage", "child_count", "vaccine")
TEST_FILE = DATA_DIR / "test" / "test_nlu.yml"
CRISIS_NEGATIVES_FILE = DATA_DIR / "test" / "crisis_negatives.txt"
# Later crisis test sets nobody tuning the detector has read (scored by counts only), each written
# blind by its own author: crisis_fresh.yaml (session 2), crisis_fresh2.yaml (session 3).
CRISIS_FRESH_FILES = (DATA_DIR / "test" / "crisis_fresh.yaml", DATA_DIR / "test" / "crisis_fresh2.yaml")

MARKUP = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")


class DataError(ValueError):
    """Training data that cannot be read (broken YAML, unknown label)."""


@dataclass(frozen=True)
class Annotation:
    entity: str
    text: str
    start: int
    end: int
    role: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    topic: str | None
    annotations: tuple[Annotation, ...] = ()
    source: str = ""  # file:line

    @property
    def label(self) -> str:
        """The Rasa label: `ask_entitlement/<topic>` or the intent."""
        return f"{self.intent}/{self.topic}" if self.topic else self.intent


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[Example, ...]
    lookups: dict[str, tuple[str, ...]]  # table name -> entries
    digest: str  # sha256 over the files read

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(sorted({example.intent for example in self.examples}))

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({example.topic for example in self.examples if example.topic}))


def strip_markup(raw: str) -> tuple[str, tuple[Annotation, ...]]:
    """`我在[厦门](city)` -> ('我在厦门', (Annotation('city', '厦门', 2, 4),))."""
    parts: list[str] = []
    annotations: list[Annotation] = []
    position = 0
    length = 0
    for match in MARKUP.finditer(raw):
        before = raw[position : match.start()]
        parts.append(before)
        length += len(before)
        text = match.group("text")
        role: str | None = None
        value: str | None = None
        if match.group("short"):
            entity, _, value_part = match.group("short").partition(":")
            value = value_part or None
        else:
            try:
                spec = json.loads(match.group("json"))
            except json.JSONDecodeError:
                spec = {}
            entity = str(spec.get("entity", ""))
            role = spec.get("role")
            value = spec.get("value")
        annotations.append(Annotation(entity, text, length, length + len(text), role, value))
        parts.append(text)
        length += len(text)
        position = match.end()
    parts.append(raw[position:])
    return "".join(parts), tuple(annotations)


def _items(block: dict[str, Any]) -> list[tuple[int, str]]:
    examples = block.get("examples") or ""
    if isinstance(examples, list):
        return [
            (0, str(item.get("text", item)) if isinstance(item, dict) else str(item)) for item in examples
        ]
    lines: list[tuple[int, str]] = []
    for offset, line in enumerate(str(examples).splitlines()):
        stripped = line.strip()
        if stripped.startswith("- "):
            lines.append((offset, stripped[2:].strip()))
        elif stripped == "-":
            continue
    return lines


def read_examples(path: Path) -> list[Example]:
    """The intent examples of one Rasa NLU file (lookups are skipped)."""
    data = _load(path)
    examples: list[Example] = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        label = str(block["intent"])
        intent, _, topic = label.partition("/")
        for offset, raw in _items(block):
            text, annotations = strip_markup(raw)
            if text:
                examples.append(Example(text, intent, topic or None, annotations, f"{path.name}:+{offset}"))
    return examples


def _load(path: Path) -> dict[str, Any]:
    try:
        data = load_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DataError(f"{path}: broken YAML: {error}") from error
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping with an 'nlu' list")
    return data


def data_digest(directory: Path = DATA_DIR, extra: tuple[Path, ...] = ()) -> str:
    """sha256 over the training files (names and bytes) and any extra files given."""
    digest = hashlib.sha256()
    for path in [*(directory / name for name in TRAINING_FILES), *extra]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def load_training_data(directory: Path = DATA_DIR) -> TrainingData:
    examples: list[Example] = []
    lookups: dict[str, list[str]] = {}
    for name in TRAINING_FILES:
        path = directory / name
        if not path.exists():
            continue
        examples += read_examples(path)
        for block in _load(path).get("nlu") or []:
            if not isinstance(block, dict):
                continue
            if "lookup" in block:
                lookups.setdefault(str(block["lookup"]), []).extend(text for _, text in _items(block))
    if not examples:
        raise DataError(f"{directory}: no intent examples found")
    return TrainingData(
        examples=tuple(examples),
        lookups={key: tuple(value) for key, value in lookups.items()},
        digest=data_digest(directory),
    )


def read_lines(path: Path) -> list[str]:
    """A plain text file, one message per line (blank lines skipped)."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
