"""How conversations behave, as data: dialogues/data/rules.yaml (side questions allowed mid-flow,
the cities offered as buttons, the ages of school stages, the related topics offered after an
answer, when a deadline is near, limits)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.yamlfile import DataFileError, Problem, YamlFile, read_schema
from knowledge.schema import Stage

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.yaml"


class _RelatedFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    only_when_asked: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    next: dict[str, tuple[str, ...]]


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    side_intents: tuple[str, ...] = Field(min_length=1)
    intent_topics: dict[str, str] = Field(default_factory=dict)
    place_buttons: tuple[str, ...] = Field(min_length=1, max_length=8)
    stage_ages: dict[Stage, tuple[float, float]]
    handoff_repeat_days: int = Field(ge=0, le=60)
    max_input_chars: int = Field(ge=100, le=100_000)
    remembered_message_ids: int = Field(ge=1, le=1000)
    related_topics: _RelatedFile
    deadline_near_days: int = Field(ge=1, le=180)

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
class RelatedTopics:
    """Which topics are offered after an answer: `next[topic]`, what a parent looks for next after
    an answer on `topic`; `only_when_asked[topic]`, the words of a message about an alarming topic
    (offered only then)."""

    next: dict[str, tuple[str, ...]]
    only_when_asked: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class ConversationRules:
    side_intents: frozenset[str]
    intent_topics: dict[str, str]  # an intent answered as a question on this topic
    place_buttons: tuple[str, ...]  # names of cities, as the lexicon spells them
    stage_ages: dict[str, tuple[float, float]]
    handoff_repeat_days: int
    max_input_chars: int
    remembered_message_ids: int
    related: RelatedTopics
    deadline_near_days: int  # a deadline this close is said with the first thing to do

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
    problems += _related_problems(source, data.related_topics, topics)
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
        related=RelatedTopics(
            next=dict(data.related_topics.next),
            only_when_asked={
                topic: tuple(word.lower() for word in words)
                for topic, words in data.related_topics.only_when_asked.items()
            },
        ),
        deadline_near_days=data.deadline_near_days,
    )
    return rules, []


def _related_problems(source: YamlFile, related: _RelatedFile, topics: set[str]) -> list[Problem]:
    """Every topic is a taxonomy topic, every topic has what comes next after it, and an alarming
    topic (only_when_asked) is never offered as what comes next."""
    problems: list[Problem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source.display, source.line_of(("related_topics", *path)), message))

    for topic, words in related.only_when_asked.items():
        if topic not in topics:
            problem(("only_when_asked", topic), f"unknown topic '{topic}'")
        if not words:
            problem(("only_when_asked", topic), f"'{topic}' needs the words of a message about it")
    for topic, following in related.next.items():
        if topic not in topics:
            problem(("next", topic), f"unknown topic '{topic}'")
        for position, other in enumerate(following):
            if other not in topics:
                problem(("next", topic, position), f"unknown topic '{other}'")
            elif other in related.only_when_asked:
                problem(("next", topic, position), f"'{other}' is offered only when asked about")
            elif other == topic:
                problem(("next", topic, position), f"'{topic}' cannot come next after itself")
    for topic in sorted(topics - set(related.next)):
        problem(("next",), f"no topics next after '{topic}'")
    return problems


def load_rules(lexicon: Lexicon, taxonomy: Taxonomy, path: Path = RULES_FILE) -> ConversationRules:
    rules, problems = check_rules(lexicon, taxonomy, path)
    if rules is None:
        raise DataFileError(problems)
    return rules
