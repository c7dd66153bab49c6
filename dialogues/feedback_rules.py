"""When to ask "有帮助吗？" and the parent's words for each answer, as data: dialogues/data/
feedback.yaml (checked by `tongxing check`). The asking itself is dialogues/feedback.py."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, read_schema
from dialogues.navigation import LocaleWords
from dialogues.payload import FEEDBACK_RATINGS, FeedbackRating

FEEDBACK_FILE = Path(__file__).resolve().parent / "data" / "feedback.yaml"
RATINGS: tuple[FeedbackRating, ...] = FEEDBACK_RATINGS
_EDGES = " \t?？。.!！,，~～…、"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Words(_Strict):
    helpful: LocaleWords
    not_helpful: LocaleWords
    human: LocaleWords


class _FeedbackFile(_Strict):
    ask_after: Literal["part", "brief"]
    per_conversation: int = Field(ge=0, le=20)
    words: _Words


def _fold(text: str) -> str:
    """Lower case, NFKC, without spaces and punctuation ("有用，谢谢！" -> "有用谢谢")."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if char not in _EDGES)


@dataclass(frozen=True)
class FeedbackRules:
    ask_after: str  # "part": after a part of an answer; "brief": after the first short answer too
    per_conversation: int
    words: dict[str, FeedbackRating]  # folded word -> rating

    def rating_in(self, text: str) -> FeedbackRating | None:
        """The rating the whole message says ("有用，谢谢" -> helpful), else None."""
        return self.words.get(_fold(text))


def check_feedback(path: Path = FEEDBACK_FILE) -> tuple[FeedbackRules | None, list[Problem]]:
    source, data, problems = read_schema(path, _FeedbackFile)
    if data is None or source is None:
        return None, problems
    words: dict[str, FeedbackRating] = {}
    for rating in RATINGS:
        entry: LocaleWords = getattr(data.words, rating)
        for word in (*entry.zh_Hans, *entry.zh_Hant, *entry.en):
            folded = _fold(word)
            if words.get(folded, rating) != rating:
                problems.append(
                    Problem(
                        source.display,
                        source.line_of(("words", rating)),
                        f"'{word}' also means {words[folded]}",
                    )
                )
            words[folded] = rating
    if problems:
        return None, problems
    return FeedbackRules(data.ask_after, data.per_conversation, words), []


def load_feedback(path: Path = FEEDBACK_FILE) -> FeedbackRules:
    rules, problems = check_feedback(path)
    if rules is None:
        raise DataFileError(problems)
    return rules
