"""The hotline API (/v1): a question in, ranked answers with their sources out, the crisis flag and
the emergency numbers when it is set. For hotline operators (12345 / 12355 style) and their
call-centre software; every route needs `Authorization: Bearer KEY` (`tongxing apikey create`).

The question is understood by `App.hotline.answer`, the chat's own understanding, and checked by
the chat's own crisis assessment (dialogues/crisis.py `assess`); the emergency numbers are read from
the chat's crisis reply (dialogues/safety.py `crisis_replies`), so the API says what the chat says."""

from __future__ import annotations

import re
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from bot.app import App
from bot.gap import record_gap
from bot.metrics import API_REQUESTS, API_SECONDS, CRISES, FALLBACKS
from bot.place_name import UnknownPlaceError, resolve_place
from bot.server.api_keys import Caller, KeyStore, RateLimiter
from bot.server.api_models import (
    AnswerOut,
    AskRequest,
    AskResponse,
    Emergency,
    EmergencyNumber,
    ErrorOut,
    ServiceDetail,
    ServiceSummary,
    TopicOut,
    Understood,
)
from bot.server.channel import RoutesOnly
from bot.server.errors import ApiError
from core.i18n import Translator
from dialogues.crisis import assess
from dialogues.safety import crisis_replies
from dialogues.state import State
from dialogues.turn import Turn
from knowledge.answer import Answer, make_answer
from knowledge.index import Hit

Locale = Literal["zh_Hans", "zh_Hant", "en"]
_NUMBER_LINE = re.compile(r"^\s*•\s*(\d{3,6})\s*(.+?)\s*$")
_NUMBER_IN_TEXT = re.compile(r"(?<!\d)(1\d{2,5})(?!\d)")  # 110, 120, 12338 in a sentence
Gap = tuple[str, str | None, str | None, str]  # record_gap's text, province, city, channel
BEARER = HTTPBearer(auto_error=False, description="an API key from `tongxing apikey create`")
_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (401, 404, 413, 422, 429)
}


def emergency_of(t: Translator, kind: str) -> Emergency:
    """The chat's crisis message for this kind of crisis and the numbers it names, in the order the
    chat names them: a number in the opening sentence ("请马上打 120 ...") first, labelled with that
    sentence, then one `• 110 ...` line each."""
    message = crisis_replies(t, kind, in_flow=False)[0].text
    numbers: list[EmergencyNumber] = []
    for line in message.splitlines():
        bullet = _NUMBER_LINE.match(line)
        found = [(bullet.group(1), bullet.group(2))] if bullet else []
        if not bullet:
            found = [(number, line.strip()) for number in _NUMBER_IN_TEXT.findall(line)]
        for number, label in found:
            if all(known.number != number for known in numbers):
                numbers.append(EmergencyNumber(number=number, label=label))
    return Emergency(message=message, numbers=numbers)


def answer_out(rank: int, answer: Answer, rank_score: float, confidence: float) -> AnswerOut:
    return AnswerOut(
        rank=rank,
        topic=answer.topic,
        service_id=answer.service_id,
        title=answer.title,
        summary=answer.summary,
        how=list(answer.how),
        materials=list(answer.materials),
        where=answer.where,
        department=answer.department,
        handled_at=answer.handled_at,
        source=answer.source,
        source_document=str(answer.source_detail["document"]),
        confidence=round(confidence, 4),
        rank_score=rank_score,
        layer=answer.layer,
        province=answer.province,
        city=answer.city,
    )


class HotlineApi:
    """The routes, over one App; the key store and the rate limiter live as long as the server."""

    def __init__(self, application: App, keys: KeyStore | None = None, limiter: RateLimiter | None = None):
        self.application = application
        self.keys = keys or KeyStore(application.storage.sessions, application.clock)
        self.limiter = limiter or RateLimiter()
        # The embedded parser is pure CPU; the Rasa backend asks a server over HTTP (blocking I/O),
        # so with it a question is understood in a worker thread, off the event loop.
        self.understands_on_loop = application.settings.nlu_backend != "rasa"

    async def caller(
        self, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
    ) -> Caller:
        """The key's owner, within its rate limit; else 401 or 429. On the event loop: a key checked
        in the last seconds is remembered, and only a key not seen lately is looked up in the
        database, in a worker thread."""
        if credentials is None:
            raise ApiError(401, "unauthorized", "an API key is needed: Authorization: Bearer KEY")
        known, found = self.keys.remembered(credentials.credentials)
        if not known:
            found = await run_in_threadpool(self.keys.check, credentials.credentials)
        if found is None:
            raise ApiError(401, "unauthorized", "the API key is unknown or revoked")
        wait = self.limiter.take(found)
        if wait:
            raise ApiError(
                429,
                "too_many_requests",
                f"this key's limit is {found.per_minute} requests a minute; retry after {wait:.0f} s",
                headers={"Retry-After": str(int(wait))},
            )
        return found

    def translator(self, locale: str | None) -> Translator:
        return self.application.translator(locale)

    def place(self, province: str | None, city: str | None) -> tuple[str | None, str | None]:
        try:
            return resolve_place(self.application.data.lexicon, province, city)
        except UnknownPlaceError as error:
            raise ApiError(422, "invalid_request", f"{error.field}: {error}", field=error.field) from error

    def respond(self, question: AskRequest) -> tuple[AskResponse, Gap | None]:
        """The answer, and the gap to record when the knowledge base had none (the only database
        write of a question, left to the caller so that the answer itself does no I/O)."""
        application = self.application
        province, city = self.place(question.province, question.city)
        t = self.translator(question.locale)
        text = question.question
        result = application.hotline.answer(
            text, province=province, city=city, age=question.child_age, translator=t, limit=question.limit
        )
        understanding = result.understanding
        parse = understanding.parse
        services = application.dialogue.services
        turn = Turn(services, State(), t, application.clock.today())
        assessed = assess(turn, text, services.tokenizer.normalize(text), parse)
        kind = assessed if assessed not in (None, "bereavement") else None
        crisis = kind is not None
        probability = dict(parse.topic_ranking)
        answers = [
            answer_out(rank, answer, ranked.fused, probability.get(answer.topic, 0.0))
            for rank, (answer, ranked) in enumerate(
                zip(result.answers, understanding.ranking, strict=True), 1
            )
        ]
        if crisis:
            CRISES.labels("api").inc()
        gap: Gap | None = None
        if not answers:
            FALLBACKS.labels("api").inc()
            if not crisis:  # a crisis is not a gap in the knowledge base, and its words stay out of it
                gap = (text, province, city, "api")
        asked = understanding.question
        response = AskResponse(
            answers=answers,
            crisis=crisis,
            crisis_kind=kind,
            emergency=emergency_of(t, kind) if kind is not None else None,
            understood=Understood(
                province=asked.province,
                city=asked.city,
                child_age=asked.age,
                topic=parse.topic if understanding.confident else None,
                confident=understanding.confident,
            ),
        )
        return response, gap

    def router(self) -> APIRouter:
        router = APIRouter(
            prefix="/v1", tags=["hotline"], responses=_ERRORS, dependencies=[Depends(self.caller)]
        )
        application = self.application
        kb = application.data.knowledge

        @router.post("/ask", summary="Ranked answers to a caller's question, with their sources")
        async def ask(question: AskRequest) -> AskResponse:
            # On the event loop: understanding a question is a millisecond of CPU and no I/O, and a
            # thread would only add hand-overs (and GIL waits) to it. A gap is written in a thread.
            start = time.perf_counter()
            if self.understands_on_loop:
                response, gap = self.respond(question)
            else:
                response, gap = await run_in_threadpool(self.respond, question)
            if gap is not None:
                await run_in_threadpool(record_gap, application.storage, *gap)
            API_SECONDS.labels("ask").observe(time.perf_counter() - start)
            API_REQUESTS.labels("ask", "200").inc()
            return response

        @router.get("/topics", summary="Every topic the knowledge base answers")
        def topics(locale: Annotated[Locale | None, Query()] = None) -> list[TopicOut]:
            t = self.translator(locale)
            names = application.dialogue.services.topic_titles
            notes = application.data.taxonomy.topic_notes
            found = []
            for topic in application.data.taxonomy.topics:
                service = names.get(topic)
                if service is None:
                    continue
                title = make_answer(kb, Hit(kb.by_id[service], 0.0), t).title
                found.append(TopicOut(id=topic, title=title, note=notes.get(topic)))
            API_REQUESTS.labels("topics", "200").inc()
            return found

        @router.get("/services", summary="The services that apply at a place (all lists without one)")
        def services(
            province: Annotated[
                str | None, Query(max_length=40, description="id or name: fujian, 福建")
            ] = None,
            city: Annotated[str | None, Query(max_length=40, description="id or name: xiamen, 厦门")] = None,
            locale: Annotated[Locale | None, Query()] = None,
        ) -> list[ServiceSummary]:
            province_id, city_id = self.place(province, city)
            t = self.translator(locale)
            found = []
            for item in kb.for_place(province_id, city_id):
                answer = make_answer(kb, Hit(item, 0.0), t)
                found.append(
                    ServiceSummary(
                        id=item.id,
                        topic=item.topic,
                        title=answer.title,
                        summary=answer.summary,
                        layer=item.layer,
                        province=item.province,
                        city=item.city,
                    )
                )
            API_REQUESTS.labels("services", "200").inc()
            return found

        @router.get("/services/{service_id}", summary="One service: who, what, how, where, the source")
        def service(
            service_id: Annotated[str, Path(max_length=80)],
            locale: Annotated[Locale | None, Query()] = None,
        ) -> ServiceDetail:
            item = kb.by_id.get(service_id)
            if item is None:
                raise ApiError(404, "not_found", f"no service with the id '{service_id[:80]}'")
            answer = make_answer(kb, Hit(item, 0.0), self.translator(locale))
            API_REQUESTS.labels("service", "200").inc()
            return ServiceDetail.from_answer(answer)

        return router


def channel(application: App) -> RoutesOnly:
    """The hotline API as a channel of the server (bot/server/channels.py)."""
    return RoutesOnly("api", HotlineApi(application).router())
