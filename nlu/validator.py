"""Checks of the NLU training data (Rasa 3.x YAML in nlu/data/), every problem as file:line.

Checked: broken YAML and duplicate keys; the schema (`version: "3.1"`, blocks of `intent` or
`lookup` with their `examples` as a `|` block, no other keys); labels that are intents and topics of
the taxonomy (`ask_entitlement/<topic>`, never plain `ask_entitlement`); empty examples and lines
that are not `- example`; the same example twice, within or across labels and files; annotations
(well-formed, known entities, the role `hukou` on a city or province only, vaccine names the lexicon
knows); at least MIN_EXAMPLES per intent and MIN_TOPIC_EXAMPLES per topic. Synonyms are refused here:
they are written once, in core/data/lexicon.yaml.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.yamlfile import Location, Problem, YamlError, YamlFile, display_path, read_yaml, schema_problems
from nlu.dataset import DATA_DIR, ENTITIES, MARKUP, TRAINING_FILES, strip_markup

MIN_EXAMPLES = 45
MIN_EXAMPLES_WIDE = {"crisis": 80, "out_of_scope": 80}  # intents that must cover many situations
MIN_TOPIC_EXAMPLES = 30
HUKOU_ENTITIES = ("city", "province")
RETRIEVAL_INTENT = "ask_entitlement"


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    examples: str = Field(min_length=1)


class IntentBlock(_Block):
    intent: str = Field(min_length=1)


class LookupBlock(_Block):
    lookup: str = Field(min_length=1)


class RasaFile(BaseModel):
    """The top level of a Rasa NLU file; each block is checked by its own schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal["3.1"]
    nlu: tuple[dict[str, object], ...] = Field(min_length=1)


@dataclass(frozen=True)
class _Line:
    source: YamlFile
    line: int
    label: str
    raw: str


class _Checker:
    def __init__(self, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
        self.intents = set(taxonomy.intents)
        self.topics = set(taxonomy.topics)
        self.vaccine_names = {
            name.lower() for names in lexicon.entity_values.get("vaccine", {}).values() for name in names
        } | {vaccine.lower() for vaccine in taxonomy.vaccines}
        self.problems: list[Problem] = []
        self.first_seen: dict[str, str] = {}  # example text -> file:line
        self.counts: dict[str, int] = {}
        self.first_line: dict[str, tuple[YamlFile, int]] = {}

    def add(self, source: YamlFile, line: int, message: str) -> None:
        self.problems.append(Problem(source.display, line, message))

    def at(self, source: YamlFile, location: Location, message: str) -> None:
        self.add(source, source.line_of(location), message)

    def read(self, path: Path) -> YamlFile | None:
        try:
            source = read_yaml(path, display_path(path))
        except YamlError as error:
            self.problems += error.problems
            return None
        try:
            top = RasaFile.model_validate(source.data)
        except ValidationError as error:
            self.problems += schema_problems(source, error)
            return None
        for position, block in enumerate(top.nlu):
            self.block(source, position, block)
        return source

    def block(self, source: YamlFile, position: int, block: dict[str, object]) -> None:
        where: Location = ("nlu", position)
        if "synonym" in block:
            self.at(source, where, "synonyms are written in core/data/lexicon.yaml, not in the NLU data")
            return
        schema: type[_Block] | None = (
            IntentBlock if "intent" in block else LookupBlock if "lookup" in block else None
        )
        if schema is None:
            self.at(source, where, "a block is an 'intent' or a 'lookup' with its 'examples'")
            return
        try:
            parsed = schema.model_validate(block)
        except ValidationError as error:
            self.problems += schema_problems(source, error, where)
            return
        first = source.line_of((*where, "examples")) + 1
        lines = [
            _Line(source, first + offset, "", text)
            for offset, text in enumerate(parsed.examples.splitlines())
        ]
        if isinstance(parsed, IntentBlock):
            if self.label(source, (*where, "intent"), parsed.intent):
                for line in lines:
                    self.example(_Line(line.source, line.line, parsed.intent, line.raw))
        else:
            for line in lines:
                if line.raw.strip() and not line.raw.strip().startswith("- "):
                    self.add(source, line.line, "each entry is a line '- entry'")

    def label(self, source: YamlFile, location: Location, label: str) -> bool:
        intent, slash, topic = label.partition("/")
        if intent not in self.intents:
            self.at(source, location, f"unknown intent '{intent}' (not in core/data/taxonomy.yaml)")
            return False
        if intent == RETRIEVAL_INTENT and not slash:
            self.at(source, location, f"'{RETRIEVAL_INTENT}' needs a topic: '{RETRIEVAL_INTENT}/<topic>'")
            return False
        if slash and intent != RETRIEVAL_INTENT:
            self.at(source, location, f"only '{RETRIEVAL_INTENT}' carries a topic, not '{intent}'")
            return False
        if slash and topic not in self.topics:
            self.at(source, location, f"unknown topic '{topic}' (not in core/data/taxonomy.yaml)")
            return False
        self.first_line.setdefault(label, (source, source.line_of(location)))
        return True

    def example(self, line: _Line) -> None:
        stripped = line.raw.strip()
        if not stripped:
            return
        if not stripped.startswith("- ") and stripped != "-":
            self.add(line.source, line.line, "each example is a line '- example'")
            return
        raw = stripped[1:].strip()
        text, annotations = strip_markup(raw)
        if not text.strip():
            self.add(line.source, line.line, "empty example")
            return
        if "](" in text or "]{" in text:
            self.add(line.source, line.line, "broken entity markup: '[text](entity)' or '[text]{...}'")
        for match in MARKUP.finditer(raw):
            if match.group("json"):
                try:
                    json.loads(match.group("json"))
                except json.JSONDecodeError:
                    self.add(
                        line.source, line.line, f"entity markup is not valid JSON: {match.group('json')}"
                    )
        for annotation in annotations:
            self.annotation(line, annotation.entity, annotation.role, annotation.text)
        where = f"{line.source.display}:{line.line}"
        if text in self.first_seen:
            self.add(line.source, line.line, f"duplicate example '{text}' (first at {self.first_seen[text]})")
        else:
            self.first_seen[text] = where
        self.counts[line.label] = self.counts.get(line.label, 0) + 1

    def annotation(self, line: _Line, entity: str, role: str | None, text: str) -> None:
        if entity not in ENTITIES:
            message = f"unknown entity '{entity}'; entities are {', '.join(ENTITIES)}"
            self.add(line.source, line.line, message)
        if role is not None and (role != "hukou" or entity not in HUKOU_ENTITIES):
            self.add(
                line.source, line.line, f"role '{role}' on '{entity}': only city and province take 'hukou'"
            )
        if entity == "vaccine" and text.lower() not in self.vaccine_names:
            self.add(line.source, line.line, f"'{text}' is no vaccine name of core/data/lexicon.yaml")

    def minimum_counts(self) -> None:
        intents: dict[str, int] = {}
        topics: dict[str, int] = {}
        for label, count in self.counts.items():
            intent, _, topic = label.partition("/")
            intents[intent] = intents.get(intent, 0) + count
            if topic:
                topics[topic] = topics.get(topic, 0) + count
        for label, (source, line) in self.first_line.items():
            intent, _, topic = label.partition("/")
            least = MIN_EXAMPLES_WIDE.get(intent, MIN_EXAMPLES)
            if not topic and intents.get(intent, 0) < least:
                self.add(
                    source, line, f"'{intent}' has {intents.get(intent, 0)} examples, fewer than {least}"
                )
            if topic and topics.get(topic, 0) < MIN_TOPIC_EXAMPLES:
                self.add(
                    source, line, f"'{topic}' has {topics[topic]} examples, fewer than {MIN_TOPIC_EXAMPLES}"
                )


def check_nlu_data(directory: Path = DATA_DIR, *, taxonomy: Taxonomy, lexicon: Lexicon) -> list[Problem]:
    """The training files (nlu.yml, lookups.yml) and, when present, the held-out file
    test/test_nlu.yml under `directory`, checked on its own (no minimum counts; short replies such as
    你好 are in both, so examples it shares with the training data are allowed)."""
    checker = _Checker(taxonomy, lexicon)
    found = [directory / name for name in TRAINING_FILES if (directory / name).exists()]
    if not found:
        return [Problem(display_path(directory), 1, f"no training files ({', '.join(TRAINING_FILES)})")]
    for path in found:
        checker.read(path)
    checker.minimum_counts()
    test_file = directory / "test" / "test_nlu.yml"
    problems = checker.problems
    if test_file.exists():
        held_out = _Checker(taxonomy, lexicon)
        held_out.read(test_file)
        problems += held_out.problems
    return problems
