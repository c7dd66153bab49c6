"""The hotline API's request and response bodies (pydantic: validation, and the OpenAPI schema at
/openapi.json and /docs). Field names follow docs/answer-schema.md; fields may be added, never
renamed or removed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.answer import Answer

MAX_QUESTION = 2000  # the chat reads as much of one message (dialogues/data/rules.yaml)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "孩子5岁，外地户口能上公办幼儿园吗", "city": "厦门"}]},
    )

    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="the caller's question, as said")
    province: str | None = Field(
        default=None, max_length=40, description="where the family lives: id or name"
    )
    city: str | None = Field(default=None, max_length=40, description="id or name; implies the province")
    child_age: float | None = Field(default=None, ge=0, le=17, description="the child's age in years")
    locale: Literal["zh_Hans", "zh_Hant", "en"] | None = Field(
        default=None, description="the answers' language"
    )
    limit: int = Field(default=3, ge=1, le=10, description="at most this many answers, one per topic")

    @field_validator("question")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        if "\x00" in value:
            raise ValueError("the question contains a NUL character")
        return value


class AnswerOut(BaseModel):
    rank: int = Field(description="1 is the best answer")
    topic: str = Field(description="a topic id (GET /v1/topics)")
    service_id: str = Field(description="the service (GET /v1/services/{id})")
    title: str
    summary: str
    how: list[str] = Field(description="how to apply, step by step")
    materials: list[str] = Field(description="what to bring (empty where the sources do not say)")
    where: str = Field(description="where to apply")
    department: str
    handled_at: str = Field(description="residence, hukou, both or unstated")
    source: str = Field(description="the source line: 《document》item（date）")
    source_document: str = Field(description="the source document's id")
    confidence: float = Field(
        description="the classifier's calibrated probability that the question is on this topic"
    )
    rank_score: float = Field(description="the fused score that ranks the answers (docs/answer-schema.md)")
    layer: str = Field(description="national, province or city: which list the service comes from")
    province: str | None
    city: str | None


class EmergencyNumber(BaseModel):
    number: str = Field(description="e.g. 110")
    label: str = Field(description="when to call it")


class Emergency(BaseModel):
    message: str = Field(description="what the chat tells a parent in a crisis: read it to the caller")
    numbers: list[EmergencyNumber]


class Understood(BaseModel):
    province: str | None = Field(description="the place used: given, else read from the question")
    city: str | None
    child_age: float | None
    topic: str | None = Field(description="the topic the classifier is confident about, else null")
    confident: bool


class AskResponse(BaseModel):
    answers: list[AnswerOut] = Field(description="best first; empty when the knowledge base has no answer")
    crisis: bool = Field(
        description="the question speaks of danger to a child: give the emergency numbers first"
    )
    crisis_kind: str | None = Field(
        default=None,
        description=(
            "what kind of danger, when `crisis` is true: medical (120 first), carer_violence (110 and"
            " 12338 too), self_harm or child_danger"
        ),
    )
    emergency: Emergency | None = Field(description="set when `crisis` is true")
    understood: Understood


class TopicOut(BaseModel):
    id: str
    title: str = Field(description="the topic in a few words (its main service's title)")
    note: str | None = Field(description="what the topic covers (Simplified Chinese)")


class ServiceSummary(BaseModel):
    id: str
    topic: str
    title: str
    summary: str
    layer: str
    province: str | None
    city: str | None


class Contact(BaseModel):
    name: str
    phone: str | None
    note: str | None


class ServiceDetail(BaseModel):
    id: str
    topic: str
    title: str
    summary: str
    who: str
    provides: list[str]
    how: list[str]
    materials: list[str]
    where: str
    department: str
    handled_at: str
    handling_note: str | None
    contacts: list[Contact]
    unknowns: list[str]
    terms: dict[str, str]
    source: str
    source_document: str
    layer: str
    province: str | None
    city: str | None

    @classmethod
    def from_answer(cls, answer: Answer) -> ServiceDetail:
        return cls(
            id=answer.service_id,
            topic=answer.topic,
            title=answer.title,
            summary=answer.summary,
            who=answer.who,
            provides=list(answer.provides),
            how=list(answer.how),
            materials=list(answer.materials),
            where=answer.where,
            department=answer.department,
            handled_at=answer.handled_at,
            handling_note=answer.handling_note,
            contacts=[
                Contact(name=str(c["name"]), phone=c["phone"], note=c["note"]) for c in answer.contacts
            ],
            unknowns=list(answer.unknowns),
            terms=dict(answer.terms),
            source=answer.source,
            source_document=str(answer.source_detail["document"]),
            layer=answer.layer,
            province=answer.province,
            city=answer.city,
        )


class ErrorOut(BaseModel):
    error: str = Field(description="a stable code: unauthorized, not_found, too_large, invalid_request, ...")
    message: str = Field(description="what went wrong, in plain words")
    field: str | None = Field(default=None, description="the input field at fault (422)")
