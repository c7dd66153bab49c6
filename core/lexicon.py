"""The domain lexicon (synonyms, domain words, entity values, places) shared by nlu/, knowledge/ and
dialogues/: its schema, its checks (file:line) and the frozen Lexicon loaded from it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Location, Problem, YamlFile, read_schema

LEXICON_FILE = Path(__file__).resolve().parent / "data" / "lexicon.yaml"

Id = Field(pattern=r"^[a-z][a-z0-9_]*$")
Word = Field(min_length=1)


class _Province(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Id
    name: str = Word
    aliases: tuple[str, ...] = ()


class _City(_Province):
    province: str


class _District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Id
    name: str = Word
    city: str
    aliases: tuple[str, ...] = ()


class _Places(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    provinces: tuple[_Province, ...]
    cities: tuple[_City, ...]
    districts: tuple[_District, ...]
    more_cities: tuple[_City, ...] = ()
    more_districts: tuple[_District, ...] = ()
    ambiguous: tuple[str, ...] = ()


class LexiconFile(BaseModel):
    """The schema of lexicon.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    synonyms: dict[str, tuple[str, ...]]
    context_terms: tuple[str, ...] = ()
    words: tuple[str, ...]
    entity_values: dict[str, dict[str, tuple[str, ...]]] = {}
    places: _Places


@dataclass(frozen=True)
class Place:
    """A province, city or district, with the province (and city) it belongs to.

    A city is a unit with a service list of its own: a prefecture-level city, and a county-level
    unit directly under the province (Hainan's 琼海 ... 琼中, Fujian's 平潭), whose city is itself. A
    district is any county-level unit inside a city (市辖区, 县级市, 县: 晋江 is a district of 泉州)."""

    kind: str  # province | city | district
    id: str
    name: str
    province: str
    city: str | None = None


@dataclass(frozen=True)
class Lexicon:
    synonyms: dict[str, tuple[str, ...]]
    words: tuple[str, ...]
    places: tuple[Place, ...]
    context_terms: frozenset[str] = frozenset()
    # entity -> value -> the words that name it (vaccine ids, school stages, grades)
    entity_values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # places the NLU names that the knowledge base and the dialogues do not cover
    more_places: tuple[Place, ...] = ()
    # place names that are also ordinary words
    ambiguous: frozenset[str] = frozenset()

    @cached_property
    def canonical(self) -> dict[str, str]:
        """variant (lower-cased) -> canonical term."""
        mapping: dict[str, str] = {}
        for canonical, variants in self.synonyms.items():
            mapping[canonical.lower()] = canonical
            for variant in variants:
                mapping[variant.lower()] = canonical
        return mapping

    @cached_property
    def place_names(self) -> dict[str, Place]:
        """Every name and alias of a place -> the place (longest names are the most specific)."""
        names: dict[str, Place] = {}
        for place in self.places:
            names.setdefault(place.name, place)
        return names

    @cached_property
    def every_place_name(self) -> dict[str, Place]:
        """`place_names` and the names of the places outside the knowledge base (广州), which the
        dialogues recognise so as to say that only the national rules apply there."""
        names = dict(self.place_names)
        for place in self.more_places:
            names.setdefault(place.name, place)
        return names

    @cached_property
    def place_matchers(self) -> tuple[tuple[str, Place, re.Pattern[str] | None], ...]:
        """Every place name of two characters or more as it is looked for in a normalised text: a
        Chinese name as a substring; a pinyin name in lower case, and only as a whole word ("anxi" is
        not in "anxious"), with its pattern built once."""
        return tuple(
            (
                name.lower() if name.isascii() else name,
                place,
                re.compile(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])") if name.isascii() else None,
            )
            for name, place in self.every_place_name.items()
            if len(name) >= 2
        )

    @cached_property
    def covered_places(self) -> frozenset[tuple[str, str]]:
        """(kind, id) of the places the knowledge base and the dialogues cover."""
        return frozenset((place.kind, place.id) for place in self.places)

    @cached_property
    def place_by_id(self) -> dict[tuple[str, str], Place]:
        """Every place by (kind, id), those outside the knowledge base included."""
        places: dict[tuple[str, str], Place] = {}
        for place in (*self.places, *self.more_places):  # canonical names first; aliases never replace them
            places.setdefault((place.kind, place.id), place)
        return places

    @cached_property
    def pinyin_names(self) -> dict[tuple[str, str], str]:
        """(kind, id) -> the place's first pinyin alias, capitalised (Siming, Xiang'an), for pages in
        English; places the lexicon gives no pinyin have none."""
        names: dict[tuple[str, str], str] = {}
        for place in (*self.places, *self.more_places):
            if place.name.isascii() and place.name.replace("'", "").isalpha():
                names.setdefault((place.kind, place.id), place.name[:1].upper() + place.name[1:])
        return names

    def dictionary_words(self) -> list[str]:
        """Words the tokenizer must keep whole: canonical terms, variants, domain words, place names."""
        words = set(self.words)
        for canonical, variants in self.synonyms.items():
            words.add(canonical)
            words.update(variants)
        words.update(self.place_names)
        return sorted(word for word in words if len(word) > 1 and not word.isascii())


class _Checker:
    """The checks a schema cannot express, each at the line of the word it is about."""

    def __init__(self, source: YamlFile, raw: LexiconFile) -> None:
        self.source = source
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(self.source.display, self.source.line_of(location), message))

    def groups(self, where: Location, groups: dict[str, tuple[str, ...]], what: str) -> None:
        """No word in two groups (case-insensitive), no empty word."""
        seen: dict[str, str] = {}
        for canonical, variants in groups.items():
            for position, variant in enumerate((canonical, *variants)):
                location = (*where, canonical) if position == 0 else (*where, canonical, position - 1)
                key = variant.strip().lower()
                if not key:
                    self.add(location, f"empty word in the {what} of '{canonical}'")
                elif key in seen and seen[key] != canonical:
                    self.add(location, f"'{variant}' is in the {what} of '{seen[key]}' and '{canonical}'")
                elif key in seen and position > 0:
                    self.add(location, f"'{variant}' is listed twice in the {what} of '{canonical}'")
                seen.setdefault(key, canonical)

    def entity_values(self, vaccines: Collection[str] | None) -> None:
        for entity, values in self.raw.entity_values.items():
            self.groups(("entity_values", entity), values, f"'{entity}' words")
        if vaccines is None:
            return
        named = self.raw.entity_values.get("vaccine", {})
        for value in named:
            if value not in vaccines:
                self.add(
                    ("entity_values", "vaccine", value), f"'{value}' is not a vaccine id of the taxonomy"
                )
        for vaccine in vaccines:
            if vaccine not in named:
                self.add(("entity_values", "vaccine"), f"the taxonomy's vaccine '{vaccine}' has no names")

    def places(self) -> None:
        places = self.raw.places
        seen: dict[str, set[str]] = {"province": set(), "city": set(), "district": set()}
        names: set[str] = set()
        named: dict[str, str] = {}  # a name or alias (lower case) -> the place it names
        entries: list[tuple[str, str, tuple[_Province | _District, ...]]] = [
            ("provinces", "province", places.provinces),
            ("cities", "city", places.cities),
            ("more_cities", "city", places.more_cities),
            ("districts", "district", places.districts),
            ("more_districts", "district", places.more_districts),
        ]
        for key, kind, listed in entries:
            for position, place in enumerate(listed):
                where = ("places", key, position)
                if place.id in seen[kind]:
                    self.add((*where, "id"), f"duplicate {kind} id '{place.id}'")
                seen[kind].add(place.id)
                for name in (place.name, *place.aliases):
                    owner = named.setdefault(name.lower(), f"{kind} '{place.id}'")
                    if owner != f"{kind} '{place.id}'":
                        self.add(where, f"'{name}' names the {owner} and the {kind} '{place.id}'")
                names.add(place.name)
                if isinstance(place, _City) and place.province not in seen["province"]:
                    self.add((*where, "province"), f"unknown province '{place.province}'")
                names.update(place.aliases)
                if isinstance(place, _District) and place.city not in seen["city"]:
                    self.add((*where, "city"), f"unknown city '{place.city}'")
        for position, name in enumerate(places.ambiguous):
            if name not in names:
                self.add(("places", "ambiguous", position), f"'{name}' is not the name of a place")


def _places(raw: _Places) -> tuple[tuple[Place, ...], tuple[Place, ...]]:
    """The places the knowledge base covers (names first, then aliases), and the NLU's other places."""
    city_province = {city.id: city.province for city in (*raw.cities, *raw.more_cities)}

    def district(entry: _District) -> Place:
        return Place("district", entry.id, entry.name, city_province.get(entry.city, ""), entry.city)

    places = [Place("province", province.id, province.name, province.id) for province in raw.provinces]
    places += [Place("city", city.id, city.name, city.province, city.id) for city in raw.cities]
    places += [district(entry) for entry in raw.districts]
    # Aliases are extra names of the same place.
    for province in raw.provinces:
        places += [Place("province", province.id, alias, province.id) for alias in province.aliases]
    for city in raw.cities:
        places += [Place("city", city.id, alias, city.province, city.id) for alias in city.aliases]
    for entry in raw.districts:
        places += [
            Place("district", entry.id, alias, city_province.get(entry.city, ""), entry.city)
            for alias in entry.aliases
        ]
    more = [
        Place("city", city.id, name, city.province, city.id)
        for city in raw.more_cities
        for name in (city.name, *city.aliases)
    ]
    more += [
        Place("district", entry.id, name, city_province.get(entry.city, ""), entry.city)
        for entry in raw.more_districts
        for name in (entry.name, *entry.aliases)
    ]
    return tuple(places), tuple(more)


def read_lexicon(
    path: Path = LEXICON_FILE, vaccines: Collection[str] | None = None
) -> tuple[Lexicon | None, list[Problem]]:
    """The lexicon and every problem of its file; with `vaccines` (the taxonomy's ids), the vaccine
    names are checked against them."""
    source, raw, problems = read_schema(path, LexiconFile)
    if source is None or raw is None:
        return None, problems
    checker = _Checker(source, raw)
    checker.groups(("synonyms",), raw.synonyms, "synonyms")
    checker.entity_values(vaccines)
    checker.places()
    places, more = _places(raw.places)
    lexicon = Lexicon(
        synonyms=dict(raw.synonyms),
        words=raw.words,
        places=places,
        context_terms=frozenset(raw.context_terms),
        entity_values={entity: dict(values) for entity, values in raw.entity_values.items()},
        more_places=more,
        ambiguous=frozenset(raw.places.ambiguous),
    )
    return lexicon, problems + checker.problems


def check_lexicon(path: Path = LEXICON_FILE, vaccines: Collection[str] | None = None) -> list[Problem]:
    return read_lexicon(path, vaccines)[1]


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon, or DataFileError listing every problem of its file."""
    lexicon, problems = read_lexicon(path)
    if problems or lexicon is None:
        raise DataFileError(problems)
    return lexicon
