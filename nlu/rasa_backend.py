"""The optional Rasa backend (TONGXING_NLU_BACKEND=rasa): map a Rasa server's /model/parse answer
onto our labels. Crisis detection and entities stay ours, always: the embedded parser runs on every
message too, and answers alone when Rasa cannot be reached.

nlu/ does no I/O: the HTTP call is a `RasaTransport` passed in by the composition root
(bot/rasa_http.py posts to {TONGXING_RASA_URL}/model/parse)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

from nlu.engine import EmbeddedParser
from nlu.result import ASK_ENTITLEMENT, CRISIS, OUT_OF_SCOPE, Parse

log = logging.getLogger(__name__)
MAX_CHARS = 2000  # Rasa reads at most this much of a message


class RasaTransport(Protocol):
    """Sends one text to a Rasa server and returns its /model/parse answer (a JSON object).
    Raises OSError when the server cannot be reached and ValueError on an answer that is not one."""

    def parse(self, text: str) -> dict[str, Any]: ...


def map_rasa_answer(
    answer: dict[str, Any], intents: tuple[str, ...], topics: tuple[str, ...]
) -> tuple[str, str | None, float, tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
    """(intent, topic, confidence, intent ranking, topic ranking) from a /model/parse answer.

    `ask_entitlement/<topic>` (as an intent name, or as the ResponseSelector's intent_response_key)
    becomes intent ask_entitlement + topic; nlu_fallback and unknown names become out_of_scope."""

    def split(name: str) -> tuple[str, str | None]:
        base, _, topic = name.partition("/")
        if base not in intents:
            return OUT_OF_SCOPE, None
        if base == ASK_ENTITLEMENT:
            return base, topic if topic in topics else None
        return base, None

    intent_part = answer.get("intent") or {}
    name = str(intent_part.get("name") or "")
    confidence = float(intent_part.get("confidence") or 0.0)
    intent, topic = split(name)
    ranking: dict[str, float] = {}
    for item in answer.get("intent_ranking") or []:
        base, _ = split(str(item.get("name") or ""))
        ranking[base] = ranking.get(base, 0.0) + float(item.get("confidence") or 0.0)
    topic_ranking: list[tuple[str, float]] = []
    selector = (answer.get("response_selector") or {}).get(ASK_ENTITLEMENT) or {}
    for item in selector.get("ranking") or []:
        key = str(item.get("intent_response_key") or "")
        _, candidate = split(key)
        if candidate:
            topic_ranking.append((candidate, float(item.get("confidence") or 0.0)))
    response = selector.get("response") or {}
    key = str(response.get("intent_response_key") or "")
    if intent == ASK_ENTITLEMENT and topic is None:
        _, topic = split(key) if key else (None, None)
        if topic is None and topic_ranking:
            topic = topic_ranking[0][0]
        if topic is not None:
            confidence *= float(response.get("confidence") or (topic_ranking[0][1] if topic_ranking else 1.0))
    if intent == ASK_ENTITLEMENT and topic is None:
        intent = OUT_OF_SCOPE  # a question without a topic cannot be answered; treat as not understood
    ordered = tuple(sorted(ranking.items(), key=lambda pair: -pair[1]))
    return intent, topic, confidence, ordered, tuple(topic_ranking)


class RasaParser:
    """Intent and topic from a Rasa server; crisis and entities from the embedded parser."""

    def __init__(self, transport: RasaTransport, embedded: EmbeddedParser) -> None:
        self.transport = transport
        self.embedded = embedded

    @property
    def recommended_threshold(self) -> float:
        return self.embedded.recommended_threshold

    def parse(self, text: str, today: date | None = None) -> Parse:
        ours = self.embedded.parse(text, today)
        try:
            answer = self.transport.parse((text if isinstance(text, str) else "")[:MAX_CHARS])
        except (OSError, ValueError) as error:
            log.warning("Rasa did not answer (%s); using the embedded parse", error.__class__.__name__)
            return ours
        intent, topic, confidence, ranking, topic_ranking = map_rasa_answer(
            answer, self.embedded.space.intents, self.embedded.space.topics
        )
        if ours.crisis:  # ours decides crisis, always
            intent, topic, confidence = CRISIS, None, max(confidence, ours.confidence)
        elif intent == CRISIS:
            intent = CRISIS  # Rasa may see a crisis we missed: keep it, and raise the flag
        return Parse(
            text=ours.text,
            intent=intent,
            topic=topic,
            confidence=confidence,
            entities=ours.entities,
            crisis=ours.crisis or intent == CRISIS,
            intent_ranking=ranking,
            topic_ranking=topic_ranking,
            crisis_reasons=ours.crisis_reasons or (("rasa:crisis",) if intent == CRISIS else ()),
            backend="rasa",
        )
