"""The words of navigation (上一步, 取消, 修改, 继续, 我的清单...) and the words that ask for a part of
the last answer (怎么办, 要带什么, 去哪里办, 要问什么) as data: dialogues/data/navigation.yaml."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.yamlfile import DataFileError, Problem, read_schema
from knowledge.answer import PARTS as ANSWER_PARTS

NAVIGATION_FILE = Path(__file__).resolve().parent / "data" / "navigation.yaml"
Action = Literal["back", "cancel", "change", "resume", "checklist"]
ACTIONS = ("back", "cancel", "change", "resume", "checklist", *ANSWER_PARTS)
_EDGES = " \t?？。.!！,，~～…"  # punctuation around a word does not change it


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LocaleWords(_Strict):
    """Words in each of the three languages, none empty (navigation.yaml, followups.yaml)."""

    zh_Hans: tuple[str, ...] = Field(min_length=1)  # noqa: N815 - the locale ids of the catalogs
    zh_Hant: tuple[str, ...] = Field(min_length=1)  # noqa: N815
    en: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_empty_word(self) -> LocaleWords:
        for word in (*self.zh_Hans, *self.zh_Hant, *self.en):
            if not word:
                raise ValueError("an empty word")
        return self


class _ActionWords(_Strict):
    match: Literal["exact", "prefix", "contains"]
    words: LocaleWords


class _NavigationFile(_Strict):
    back: _ActionWords
    cancel: _ActionWords
    change: _ActionWords
    resume: _ActionWords
    checklist: _ActionWords
    how: _ActionWords  # after an answer: how to apply
    bring: _ActionWords  # what to bring
    where: _ActionWords  # where to go
    ask: _ActionWords  # what to ask (the caveats)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_EDGES).lower()


@dataclass(frozen=True)
class Navigation:
    rules: dict[str, tuple[str, frozenset[str]]]  # action -> (how it matches, folded words)

    def answer_part(self, text: str, normalized: str = "") -> str | None:
        """Which part of the last answer the message asks for ("要带什么" -> bring), if any."""
        return next((part for part in ANSWER_PARTS if self._matches(part, text, normalized)), None)

    def says(self, action: Action, text: str, normalized: str = "") -> bool:
        """Whether the message (raw, or normalized to Simplified) is this action's word."""
        return self._matches(action, text, normalized)

    def _matches(self, action: str, text: str, normalized: str) -> bool:
        how, words = self.rules[action]
        for candidate in {_fold(text), _fold(normalized)} - {""}:
            if how == "exact" and candidate in words:
                return True
            if how == "prefix" and any(candidate.startswith(word) for word in words):
                return True
            if how == "contains" and any(word in candidate for word in words):
                return True
        return False


def check_navigation(path: Path = NAVIGATION_FILE) -> tuple[Navigation | None, list[Problem]]:
    source, data, problems = read_schema(path, _NavigationFile)
    if data is None or source is None:
        return None, problems
    owner: dict[str, str] = {}
    rules: dict[str, tuple[str, frozenset[str]]] = {}
    for action in ACTIONS:
        entry: _ActionWords = getattr(data, action)
        words = frozenset(
            _fold(word) for word in (*entry.words.zh_Hans, *entry.words.zh_Hant, *entry.words.en)
        )
        for word in sorted(words):
            if entry.match != "contains" and word in owner and owner[word] != action:
                problems.append(
                    Problem(
                        source.display,
                        source.line_of((action, "words")),
                        f"'{word}' also means {owner[word]}",
                    )
                )
            owner.setdefault(word, action)
        rules[action] = (entry.match, words)
    return (Navigation(rules) if not problems else None), problems


def load_navigation(path: Path = NAVIGATION_FILE) -> Navigation:
    navigation, problems = check_navigation(path)
    if navigation is None:
        raise DataFileError(problems)
    return navigation
