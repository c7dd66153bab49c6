"""The hotline's answers: a question (with the family's place and the child's age, when the caller
knows them) in, ranked answers with their sources out. `Hotline.answer` is the one function that
`tongxing ask` calls today and the HTTP hotline API will call; it understands the question exactly
as the chat does (dialogues/understanding.py), so every path gives the same answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.i18n import Translator
from core.lexicon import Lexicon
from dialogues.understanding import Question, Understanding, age_in, place_in, understand
from knowledge.answer import Answer, make_answer
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from nlu.result import Parser


@dataclass(frozen=True)
class HotlineAnswer:
    """The ranked answers to one question, and how it was understood (place and age used)."""

    understanding: Understanding
    answers: tuple[Answer, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of docs/answer-schema.md."""
        question = self.understanding.question
        return {
            "answers": [
                {**answer.to_dict(), "rank_score": ranked.fused}
                for answer, ranked in zip(self.answers, self.understanding.ranking, strict=True)
            ],
            "understood": {
                "province": question.province,
                "city": question.city,
                "age": question.age,
                "topic": self.understanding.parse.topic if self.understanding.confident else None,
            },
        }


@dataclass(frozen=True)
class Hotline:
    """Built once by the composition root (bot/app.py: `App.hotline`); read-only."""

    parser: Parser
    index: Index
    kb: KnowledgeBase
    lexicon: Lexicon
    threshold: float
    intent_topics: Mapping[str, str]  # intents that are questions about one topic (rules.yaml)

    def answer(
        self,
        text: str,
        *,
        province: str | None = None,
        city: str | None = None,
        age: float | None = None,
        translator: Translator,
        today: date | None = None,
        limit: int = 3,
    ) -> HotlineAnswer:
        """Ranked answers, best first, at most `limit` (one per topic); none when the knowledge base
        has no answer. A place or age the caller does not give is read from the question itself."""
        parse = self.parser.parse(text, today)
        if province is None and city is None:
            province, city = place_in(parse, self.lexicon)
        if age is None:
            age = age_in(parse)
        question = Question(text, province, city, age)
        understanding = understand(
            self.index, self.kb, parse, question, self.threshold, self.intent_topics, limit=limit
        )
        answers = tuple(make_answer(self.kb, ranked.hit, translator) for ranked in understanding.ranking)
        return HotlineAnswer(understanding, answers)
