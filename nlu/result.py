"""What understanding one message produces: the intent, the topic, a calibrated confidence,
the entities and the crisis flag. The dialogue engine depends on these types only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

OUT_OF_SCOPE = "out_of_scope"
ASK_ENTITLEMENT = "ask_entitlement"
CRISIS = "crisis"


@dataclass(frozen=True)
class Entity:
    """One entity found in the text; `start`/`end` index the text as the caller gave it."""

    name: str  # age | birth_date | province | city | district | stage | grade | child_count | vaccine
    value: str | int | float
    text: str
    start: int
    end: int
    role: str | None = None  # places: 'residence' or 'hukou'; None if unclear
    note: str | None = None  # e.g. "estimated from 明年上一年级"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "role": self.role,
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class Parse:
    """One message understood. `confidence` is the calibrated probability that intent (and, for
    ask_entitlement, topic) are right; `crisis` is decided separately and is never switched off."""

    text: str
    intent: str
    topic: str | None
    confidence: float
    entities: tuple[Entity, ...]
    crisis: bool
    intent_ranking: tuple[tuple[str, float], ...] = ()
    topic_ranking: tuple[tuple[str, float], ...] = ()
    crisis_reasons: tuple[str, ...] = field(default=())  # which patterns or signals raised the flag
    backend: str = "embedded"

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "topic": self.topic,
            "confidence": round(self.confidence, 4),
            "entities": [entity.to_dict() for entity in self.entities],
            "crisis": self.crisis,
            "intent_ranking": [[name, round(value, 4)] for name, value in self.intent_ranking],
            "topic_ranking": [[name, round(value, 4)] for name, value in self.topic_ranking],
            "crisis_reasons": list(self.crisis_reasons),
            "backend": self.backend,
        }

    def brief(self) -> dict[str, Any]:
        """The five fields of the `parse --jsonl` contract."""
        data = self.to_dict()
        return {key: data[key] for key in ("intent", "topic", "confidence", "entities", "crisis")}


class Parser(Protocol):
    def parse(self, text: str, today: date | None = None) -> Parse: ...

    @property
    def recommended_threshold(self) -> float:
        """The confidence the model fitted: below it, an intent is not acted on alone."""
        ...
