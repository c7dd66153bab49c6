"""How conversations behave, as data: dialogues/data/rules.yaml (side questions allowed mid-flow,
the cities offered as buttons, the ages of school stages, limits)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.yamlfile import DataFileError, Problem, read_schema
from knowledge.schema import Stage

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.yaml"


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    side_intents: tuple[str, ...] = Field(min_length=1)
    intent_topics: dict[str, str] = Field(default_factory=dict)
    place_buttons: tuple[str, ...] = Field(min_length=1, max_length=8)
    stage_ages: dict[Stage, tuple[float, float]]
    handoff_repeat_days: int = Field(ge=0, le=60)
    max_input_chars: int = Field(ge=100, le=100_000)
    remembered_message_ids: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _sane(self) -> _RulesFile:
        missing = set(Stage) - set(self.stage_ages)
        if missing:
            raise ValueError(f"stage_ages: no ages for {sorted(str(stage) for stage in missing)}")
        for stage, (low, high) in self.stage_ages.items():
            if not 0 <= low < high <= 18:
                raise ValueError(f"stage_ages: {stage} must be 0 <= from < to <= 18")
        return self


@dataclass(frozen=True)
class ConversationRules:
    side_intents: frozenset[str]
    intent_topics: dict[str, str]  # an intent answered as a question on this topic
    place_buttons: tuple[str, ...]  # names of cities, as the lexicon spells them
    stage_ages: dict[str, tuple[float, float]]
    handoff_repeat_days: int
    max_input_chars: int
    remembered_message_ids: int

    def fits_stage(self, stages: tuple[str, ...], age: float) -> bool:
        """Whether a child of `age` can be at one of `stages` (a year of slack either way)."""
        return not stages or any(
            self.stage_ages[stage][0] - 1 <= age < self.stage_ages[stage][1] + 1 for stage in stages
        )


def check_rules(
    lexicon: Lexicon, taxonomy: Taxonomy, path: Path = RULES_FILE
) -> tuple[ConversationRules | None, list[Problem]]:
    source, data, problems = read_schema(path, _RulesFile)
    if data is None or source is None:
        return None, problems
    intents, topics = set(taxonomy.intents), set(taxonomy.topics)
    for intent, topic in data.intent_topics.items():
        if intent not in intents:
            problems.append(
                Problem(
                    source.display, source.line_of(("intent_topics", intent)), f"unknown intent '{intent}'"
                )
            )
        if topic not in topics:
            problems.append(
                Problem(source.display, source.line_of(("intent_topics", intent)), f"unknown topic '{topic}'")
            )
    for position, intent in enumerate(data.side_intents):
        if intent not in intents:
            problems.append(
                Problem(
                    source.display, source.line_of(("side_intents", position)), f"unknown intent '{intent}'"
                )
            )
    names: list[str] = []
    for position, city in enumerate(data.place_buttons):
        place = lexicon.place_by_id.get(("city", city))
        if place is None:
            problems.append(
                Problem(
                    source.display,
                    source.line_of(("place_buttons", position)),
                    f"'{city}' is not a city of the lexicon",
                )
            )
        else:
            names.append(place.name)
    if problems:
        return None, problems
    rules = ConversationRules(
        side_intents=frozenset(data.side_intents),
        intent_topics=dict(data.intent_topics),
        place_buttons=tuple(names),
        stage_ages={str(stage): ages for stage, ages in data.stage_ages.items()},
        handoff_repeat_days=data.handoff_repeat_days,
        max_input_chars=data.max_input_chars,
        remembered_message_ids=data.remembered_message_ids,
    )
    return rules, []


def load_rules(lexicon: Lexicon, taxonomy: Taxonomy, path: Path = RULES_FILE) -> ConversationRules:
    rules, problems = check_rules(lexicon, taxonomy, path)
    if rules is None:
        raise DataFileError(problems)
    return rules
