"""The loaded knowledge base: documents and service items in their layers (frozen)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from knowledge.schema import Document, MigrantChildDefinition, RegistrationWindow, Service, Source
from knowledge.translation import TranslationFile

NATIONAL = "national"


@dataclass(frozen=True)
class Item:
    """A service as it stands in its layer: national, a province, or a city."""

    service: Service
    layer: str
    province: str | None
    city: str | None
    file: str
    line: int

    @property
    def id(self) -> str:
        return self.service.id

    @property
    def topic(self) -> str:
        return self.service.topic


@dataclass(frozen=True)
class KnowledgeBase:
    documents: dict[str, Document]
    items: tuple[Item, ...]
    translations: dict[str, TranslationFile] = field(default_factory=dict)  # locale -> texts
    definitions: dict[str, MigrantChildDefinition] = field(default_factory=dict)  # "national" or a province
    # (province, city) -> the city's school-registration windows (only where a source gives them)
    registration_windows: dict[tuple[str, str], tuple[RegistrationWindow, ...]] = field(default_factory=dict)

    def registration_windows_for(
        self, province: str | None, city: str | None
    ) -> tuple[RegistrationWindow, ...]:
        """The city's registration windows, earliest first; () when the city has none set."""
        if not province or not city:
            return ()
        return tuple(sorted(self.registration_windows.get((province, city), ()), key=lambda w: w.start))

    def migrant_child(self, province: str | None) -> MigrantChildDefinition | None:
        """Who counts as a migrant child where the family lives: the province's own definition, else
        the national one."""
        return self.definitions.get(province or "") or self.definitions.get(NATIONAL)

    @cached_property
    def document_provinces(self) -> dict[str, str | None]:
        """Each registered document and the province it belongs to (None: national)."""
        return {document.id: document.province for document in self.documents.values()}

    def document_province(self, document_id: str) -> str | None:
        """The province whose own document this is (None for national documents)."""
        document = self.documents.get(document_id)
        return document.province if document else None

    @cached_property
    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def provinces(self) -> tuple[str, ...]:
        return tuple(
            sorted({item.province for item in self.items if item.layer == "province" and item.province})
        )

    @cached_property
    def cities(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, set[str]] = {}
        for item in self.items:
            if item.layer == "city" and item.province and item.city:
                found.setdefault(item.province, set()).add(item.city)
        return {province: tuple(sorted(cities)) for province, cities in found.items()}

    def layer(self, layer: str, province: str | None = None, city: str | None = None) -> tuple[Item, ...]:
        return tuple(
            item
            for item in self.items
            if item.layer == layer and item.province == province and item.city == city
        )

    def for_place(self, province: str | None, city: str | None = None) -> tuple[Item, ...]:
        """What applies where the family lives: national items, and the city list where one exists,
        otherwise the province list. With no province: every layer (the caller says rules differ)."""
        national = self.layer("national")
        if province is None:
            return self.items
        if city and city in self.cities.get(province, ()):
            return national + self.layer("city", province, city)
        return national + self.layer("province", province)

    def document_of(self, source: Source) -> Document:
        return self.documents[source.document]

    def source_date(self, source: Source) -> object:
        return source.date or self.documents[source.document].date
