"""The kind of a crisis as data (dialogues/data/crisis_kinds.yaml): a medical emergency gets 120
first, violence against the parent 12338 and 110, a child in danger 110. One decision, one place:
`CrisisKinds.kind_of`, called by dialogues/crisis.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, load_text, read_schema
from dialogues.safety import Regex, SafetyNet
from nlu.crisis import CRISIS_FILE

CRISIS_KINDS_FILE = Path(__file__).resolve().parent / "data" / "crisis_kinds.yaml"
ID = r"^[a-z][a-z0-9_]*$"


class _Kind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID)
    patterns: tuple[Regex, ...] = ()
    unless: tuple[Regex, ...] = ()
    nlu: tuple[str, ...] = ()
    cues: tuple[Regex, ...] = ()


class _KindsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    default: str = Field(pattern=ID)
    kinds: tuple[_Kind, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CrisisKind:
    id: str
    words: SafetyNet  # its patterns, each vetoed by its `unless`
    nlu: frozenset[str]
    cues: tuple[re.Pattern[str], ...]

    def claims(self, normalized: str, categories: frozenset[str]) -> bool:
        """Whether the detector's categories make a flagged message this kind (with a cue, if any)."""
        if not self.nlu & categories:
            return False
        return not self.cues or any(cue.search(normalized) for cue in self.cues)


@dataclass(frozen=True)
class CrisisKinds:
    kinds: tuple[CrisisKind, ...]
    default: str

    def named(self, normalized: str) -> str | None:
        """The first kind whose own patterns match: a crisis of that kind on its own."""
        return next((kind.id for kind in self.kinds if kind.words.matches(normalized)), None)

    def kind_of(self, normalized: str, categories: frozenset[str] = frozenset()) -> str:
        """The kind of a message already known to be a crisis: its own words first, then the
        crisis detector's categories, else the default."""
        named = self.named(normalized)
        if named is not None:
            return named
        return next((kind.id for kind in self.kinds if kind.claims(normalized, categories)), self.default)


def _detector_categories() -> set[str]:
    data = load_text(CRISIS_FILE.read_text(encoding="utf-8")) or {}
    return set((data.get("strong") or {}).keys())


def check_crisis_kinds(path: Path = CRISIS_KINDS_FILE) -> tuple[CrisisKinds | None, list[Problem]]:
    source, raw, problems = read_schema(path, _KindsFile)
    if source is None or raw is None:
        return None, problems
    known = _detector_categories()
    seen: set[str] = set()
    for position, kind in enumerate(raw.kinds):
        line = source.line_of(("kinds", position))
        if kind.id in seen:
            problems.append(Problem(source.display, line, f"kind '{kind.id}' is listed twice"))
        seen.add(kind.id)
        if not kind.patterns and not kind.nlu:
            problems.append(Problem(source.display, line, f"kind '{kind.id}' has neither patterns nor nlu"))
        for category in kind.nlu:
            if category not in known:
                problems.append(
                    Problem(source.display, line, f"'{category}' is no category of the crisis detector")
                )
    kinds = tuple(
        CrisisKind(
            id=kind.id,
            words=SafetyNet(
                tuple(re.compile(pattern) for pattern in kind.patterns),
                tuple(re.compile(pattern) for pattern in kind.unless),
            ),
            nlu=frozenset(kind.nlu),
            cues=tuple(re.compile(cue) for cue in kind.cues),
        )
        for kind in raw.kinds
    )
    return CrisisKinds(kinds, raw.default), problems


@cache
def crisis_kinds(path: Path = CRISIS_KINDS_FILE) -> CrisisKinds:
    kinds, problems = check_crisis_kinds(path)
    if kinds is None or problems:
        raise DataFileError(problems)
    return kinds
