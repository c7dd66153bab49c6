"""The words of a yes or a no as data (dialect, hedges, Traditional, English):
dialogues/data/yes_no.yaml, checked by `tongxing check`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, read_schema

YES_NO_FILE = Path(__file__).resolve().parent / "data" / "yes_no.yaml"
EDGES = " \t?？。.!！,，~～…、"


class _YesNoFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    yes_words: tuple[str, ...] = Field(min_length=1)  # not `yes:`: YAML reads that key as true
    no_words: tuple[str, ...] = Field(min_length=1)
    no_starts: tuple[str, ...] = Field(min_length=1)
    yes_despite_negation: tuple[str, ...] = Field(min_length=1)
    hedges: tuple[str, ...] = Field(min_length=1)
    asks_for_person: tuple[str, ...] = Field(min_length=1)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(EDGES).lower()


@dataclass(frozen=True)
class YesNoWords:
    yes: frozenset[str]
    no: frozenset[str]
    no_starts: tuple[str, ...]
    yes_despite_negation: tuple[str, ...]
    hedges: tuple[str, ...]  # longest first
    asks_for_person: tuple[str, ...]

    def forms(self, text: str) -> set[str]:
        """The reply and every form of it without the hedges around it ("应该是吧" -> "应该是", "是")."""
        clean = fold(text)
        found, todo = {clean}, [clean]
        while todo:
            form = todo.pop()
            half = len(form) // 2
            if half and form[:half] == form[half:] and form[:half] not in found:  # "删掉删掉"
                found.add(form[:half])
                todo.append(form[:half])
            for hedge in self.hedges:
                for rest in (
                    form[len(hedge) :] if form.startswith(hedge) else "",
                    form[: -len(hedge)] if form.endswith(hedge) else "",
                ):
                    rest = fold(rest)
                    if rest and rest not in found:
                        found.add(rest)
                        todo.append(rest)
        return found


def check_yes_no(path: Path = YES_NO_FILE) -> tuple[YesNoWords | None, list[Problem]]:
    source, data, problems = read_schema(path, _YesNoFile)
    if data is None or source is None:
        return None, problems
    yes, no = {fold(word) for word in data.yes_words}, {fold(word) for word in data.no_words}
    for word in sorted((yes & no) | ({""} & (yes | no))):
        problems.append(
            Problem(source.display, source.line_of(("no_words",)), f"'{word}' is both a yes and a no")
        )
    if problems:
        return None, problems
    words = YesNoWords(
        yes=frozenset(yes),
        no=frozenset(no),
        no_starts=tuple(fold(word) for word in data.no_starts),
        yes_despite_negation=tuple(fold(word) for word in data.yes_despite_negation),
        hedges=tuple(sorted({fold(word) for word in data.hedges}, key=len, reverse=True)),
        asks_for_person=tuple(fold(word) for word in data.asks_for_person),
    )
    return words, problems


@cache
def yes_no_words(path: Path = YES_NO_FILE) -> YesNoWords:
    words, problems = check_yes_no(path)
    if words is None:
        raise DataFileError(problems)
    return words
