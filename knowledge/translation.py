"""English versions of service items (knowledge/data/translations/en.yaml), kept beside the
Simplified Chinese source like a catalog. An item without a translation is shown in Chinese.

Lists must have as many entries as the source item, so that a translation left behind by a
change to the source is caught by `tongxing kb check`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ServiceText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    title: str = Field(min_length=2)
    summary: str = Field(min_length=4)
    who: str = Field(min_length=2)
    provides: tuple[str, ...]
    steps: tuple[str, ...]
    materials: tuple[str, ...] = ()
    where: str = Field(min_length=2)
    department: str = Field(min_length=2)
    handling_note: str | None = None
    unknowns: tuple[str, ...] = ()
    terms: dict[str, str] = Field(default_factory=dict)  # English term -> plain meaning


class TranslationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    locale: str = Field(pattern=r"^[a-z]{2}(_[A-Za-z]+)?$")
    documents: dict[str, str] = Field(default_factory=dict)  # document id -> title in this language
    # document id -> a short form of that title, for the source line of a first answer (the full
    # title is in every other part of the answer)
    short_titles: dict[str, str] = Field(default_factory=dict)
    services: dict[str, ServiceText]
