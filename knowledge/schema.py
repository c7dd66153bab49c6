"""The schema of the knowledge-base YAML files (knowledge/data/).

Layers: `national.yaml`, `provinces/<province>.yaml`, `cities/<province>/<city>.yaml`,
and `documents.yaml`, the register of source documents that items cite.
Every file is validated by these pydantic models, then frozen.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_CHILD_AGE = 17  # the lists are for minors; "under 16" is written age_max: 15


class Stage(StrEnum):
    infant = "infant"  # 0-3, 托育
    preschool = "preschool"  # 3-6, 幼儿园
    primary = "primary"  # 小学
    junior_middle = "junior_middle"  # 初中
    senior_high = "senior_high"  # 普通高中
    vocational = "vocational"  # 中职


class Condition(StrEnum):
    """Circumstances an item is for; an item listing several is for a child in any one of them."""

    disability = "disability"
    low_income = "low_income"  # 家庭经济困难
    minimum_living = "minimum_living"  # 符合低保条件
    extreme_poverty = "extreme_poverty"  # 符合特困供养条件
    orphan = "orphan"  # 孤儿
    unsupported = "unsupported"  # 事实无人抚养
    hiv = "hiv"  # 艾滋病病毒感染
    housing_difficulty = "housing_difficulty"
    severe_mental_disorder = "severe_mental_disorder"
    emergency = "emergency"  # 急难情形
    key_child = "key_child"  # 重点关爱服务对象
    residence_permit = "residence_permit"  # 持居住证


class HandledAt(StrEnum):
    residence = "residence"  # 在居住地办理
    hukou = "hukou"  # 向户籍地申领（居住地协助）
    both = "both"  # 在居住地提出，部分由户籍地办理
    unstated = "unstated"  # the source does not say where; the item says whom to ask


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Document(_Strict):
    """A source document (a plan, law, regulation or notice)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=2)
    issuer: str = Field(min_length=2)
    number: str | None = None  # 文号
    date: dt.date
    kind: Literal["plan", "law", "regulation", "policy", "notice", "city_list"]
    province: str | None = Field(
        default=None, pattern=ID_PATTERN
    )  # a province's own document; None: national
    url: str | None = None
    note: str | None = None


class DocumentsFile(_Strict):
    documents: list[Document] = Field(min_length=1)


class Source(_Strict):
    """Where an item comes from: a document of the register, and the item or article in it."""

    document: str = Field(pattern=ID_PATTERN)
    item: str = Field(min_length=1)  # e.g. 附件清单第1项 / 第三部分第9条 / 第9条
    date: dt.date | None = None  # defaults to the document's date
    quote: str | None = None  # a short quotation that the item rests on


class Audience(_Strict):
    """Who the item is for."""

    description: str = Field(min_length=2)
    age_min: int | None = Field(default=None, ge=0, le=MAX_CHILD_AGE)
    age_max: int | None = Field(default=None, ge=0, le=MAX_CHILD_AGE)
    stages: tuple[Stage, ...] = ()
    conditions: tuple[Condition, ...] = ()

    @model_validator(mode="after")
    def _range_in_order(self) -> Audience:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"age_min {self.age_min} is greater than age_max {self.age_max}")
        return self

    def includes_age(self, age: float) -> bool:
        low = self.age_min if self.age_min is not None else 0
        high = self.age_max if self.age_max is not None else MAX_CHILD_AGE
        return low <= age < high + 1


class Contact(_Strict):
    name: str = Field(min_length=2)
    phone: str | None = Field(default=None, pattern=r"^[0-9\-+ ]{3,20}$")
    note: str | None = None


class HowTo(_Strict):
    steps: tuple[str, ...] = Field(min_length=1)
    materials: tuple[str, ...] = ()
    where: str = Field(min_length=2)
    department: str = Field(min_length=2)


class Service(_Strict):
    """One service of a list: what a child gets, who qualifies, how, where, and the source."""

    id: str = Field(pattern=ID_PATTERN)
    topic: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=2, max_length=40)
    summary: str = Field(min_length=4, max_length=200)
    audience: Audience
    provides: tuple[str, ...] = Field(min_length=1)
    how: HowTo
    handled_at: HandledAt
    handling_note: str | None = None  # 跨省通办 / 协助向户籍地申领 ...
    contacts: tuple[Contact, ...] = ()
    source: Source
    also_sources: tuple[Source, ...] = ()
    derived: bool = False  # derived from a plan's text rather than a published list item
    unknowns: tuple[str, ...] = ()  # what the sources do not say, and whom to ask
    terms: dict[str, str] = Field(default_factory=dict)  # official term -> a few plain words
    keywords: tuple[str, ...] = ()  # how parents ask about it
    covers: tuple[str, ...] = ()  # city layer: the province items this item implements
    last_reviewed: dt.date


class MigrantChildDefinition(_Strict):
    """Who counts as a migrant child (流动儿童) under a plan: under `age_under`, living `months_min`
    months or more away from the hukou place across a county line (跨县域), with one or both parents
    or guardians; `excludes` are the cases the source itself leaves out. The words a parent reads
    are in the catalogs (dialogues/runner.py); the source's own wording is `source.quote`."""

    age_under: int = Field(ge=1, le=MAX_CHILD_AGE + 1)  # 不满十六周岁 -> 16
    months_min: int = Field(ge=1)  # 6个月以上 -> 6
    crosses: Literal["county"]  # 跨县域
    excludes: tuple[Literal["central_city_districts"], ...] = ()  # 城市中心城区的市辖区之间…的除外
    source: Source

    def covers_age(self, age: float) -> bool:
        return age < self.age_under


class RegistrationWindow(_Strict):
    """When a city takes school registrations for one stage (入学报名), as its source gives them.
    Used only where set: no date is ever inferred; `verified: false` asks the parent to confirm with
    the local education department (请向当地教育部门确认)."""

    id: str = Field(pattern=ID_PATTERN)
    stage: Stage
    start: dt.date
    end: dt.date
    source: Source
    verified: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> RegistrationWindow:
        if self.end < self.start:
            raise ValueError(f"registration window '{self.id}' ends before it starts")
        return self


class LayerFile(_Strict):
    """One YAML file of the knowledge base."""

    layer: Literal["national", "province", "city"]
    province: str | None = Field(default=None, pattern=ID_PATTERN)
    city: str | None = Field(default=None, pattern=ID_PATTERN)
    title: str | None = None
    migrant_child: MigrantChildDefinition | None = None  # national and province files
    services: tuple[Service, ...] = Field(min_length=1)
    # city files only: the school-registration windows its sources give (none set unless a source does)
    registration_windows: tuple[RegistrationWindow, ...] = ()

    @model_validator(mode="after")
    def _place_matches_layer(self) -> LayerFile:
        if self.registration_windows and self.layer != "city":
            raise ValueError("registration windows are set per city (a city file)")
        if self.layer == "city" and self.migrant_child is not None:
            raise ValueError("a city file does not define who is a migrant child (the province does)")
        if self.layer == "national" and (self.province or self.city):
            raise ValueError("a national file names no province or city")
        if self.layer == "province" and (not self.province or self.city):
            raise ValueError("a province file names its province and no city")
        if self.layer == "city" and not (self.province and self.city):
            raise ValueError("a city file names its province and its city")
        return self
