"""The domain lexicon (synonyms, domain words, places) shared by nlu/ and knowledge/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

LEXICON_FILE = Path(__file__).resolve().parent / "data" / "lexicon.yaml"


class _Province(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    aliases: tuple[str, ...] = ()


class _City(_Province):
    province: str


class _District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    city: str


class _Places(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provinces: list[_Province]
    cities: list[_City]
    districts: list[_District]


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    synonyms: dict[str, list[str]]
    context_terms: list[str] = []
    words: list[str]
    places: _Places

    @field_validator("synonyms")
    @classmethod
    def _no_variant_in_two_groups(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        seen: dict[str, str] = {}
        for canonical, variants in value.items():
            for variant in [canonical, *variants]:
                key = variant.lower()
                if key in seen and seen[key] != canonical:
                    raise ValueError(f"'{variant}' is in the groups of '{seen[key]}' and '{canonical}'")
                seen[key] = canonical
        return value


@dataclass(frozen=True)
class Place:
    """A province, city or district, with the province (and city) it belongs to."""

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
    def place_by_id(self) -> dict[tuple[str, str], Place]:
        places: dict[tuple[str, str], Place] = {}
        for place in self.places:  # canonical names come first; aliases never replace them
            places.setdefault((place.kind, place.id), place)
        return places

    def dictionary_words(self) -> list[str]:
        """Words the tokenizer must keep whole: canonical terms, variants, domain words, place names."""
        words = set(self.words)
        for canonical, variants in self.synonyms.items():
            words.add(canonical)
            words.update(variants)
        words.update(self.place_names)
        return sorted(word for word in words if len(word) > 1 and not word.isascii())


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    raw = _LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    places: list[Place] = []
    alias_of: dict[str, list[str]] = {}
    for province in raw.places.provinces:
        places.append(Place("province", province.id, province.name, province.id))
        alias_of[province.id] = list(province.aliases)
    city_province = {city.id: city.province for city in raw.places.cities}
    for city in raw.places.cities:
        places.append(Place("city", city.id, city.name, city.province, city.id))
    for district in raw.places.districts:
        places.append(
            Place("district", district.id, district.name, city_province[district.city], district.city)
        )
    # Aliases are extra names of the same place.
    extra: list[Place] = []
    for province in raw.places.provinces:
        extra += [Place("province", province.id, alias, province.id) for alias in province.aliases]
    for city in raw.places.cities:
        extra += [Place("city", city.id, alias, city.province, city.id) for alias in city.aliases]
    return Lexicon(
        synonyms={key: tuple(value) for key, value in raw.synonyms.items()},
        words=tuple(raw.words),
        places=tuple(places + extra),
        context_terms=frozenset(raw.context_terms),
    )
