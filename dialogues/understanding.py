"""One understanding of a parent's question, shared by every path that answers one: the chat
(dialogues/answers.py), `tongxing ask` and the hotline API (bot/hotline.py).

The classifier's topic and the retrieval ranking are fused, over the items that apply where the
family lives, softly filtered by the child's age:

- the classifier's topic comes first when the model is confident (its calibrated confidence is at
  least the threshold it fitted), or the topic the conversation already knows (FIRST is added to
  its score, so one score orders the whole ranking);
- the other topics follow by the sum of the classifier's probability for the topic and the
  retrieval score normalised by the best score of the question (both in [0, 1], equal weights);
- each topic is answered by its best retrieved item, or, when retrieval found none of that topic,
  by the first item of the topic that fits the place and age.

A question that retrieval finds nothing for and the classifier is not confident about has no
answer (an empty ranking): the knowledge base has nothing to say, and nothing is guessed.

The rule was chosen on the held-out NLU test set's questions (nlu/data/test/test_nlu.yml, the
ask_entitlement lines), not on the retrieval bench; it has no fitted weights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.lexicon import Lexicon
from knowledge.catalog import Item, KnowledgeBase
from knowledge.index import Hit, Index
from nlu.result import Parse

CANDIDATES = 50  # retrieval hits read per question (one per topic: more than there are topics)
FIRST = 2.0  # added to the topic that comes first: above any sum of a probability and a normalised score


@dataclass(frozen=True)
class Question:
    """A question with where the family lives and the child's age (None: not known)."""

    text: str
    province: str | None = None
    city: str | None = None
    age: float | None = None


@dataclass(frozen=True)
class Ranked:
    """An item for the question: its retrieval score (0.0 when retrieval did not find it) and the
    fused score that ranks it (the classifier's probability plus the normalised retrieval score)."""

    hit: Hit
    fused: float

    @property
    def item(self) -> Item:
        return self.hit.item


@dataclass(frozen=True)
class Understanding:
    question: Question
    parse: Parse
    confident: bool  # the classifier's topic is trusted (calibrated confidence >= threshold)
    ranking: tuple[Ranked, ...]  # best first, one per topic; empty: the knowledge base has no answer

    def topics(self) -> list[str]:
        return [ranked.item.topic for ranked in self.ranking]


def age_in(parse: Parse | None) -> float | None:
    """The child's age the message states, if any."""
    for entity in parse.entities if parse else ():
        if entity.name == "age" and isinstance(entity.value, (int, float)):
            return float(entity.value)
    return None


def place_in(parse: Parse | None, lexicon: Lexicon) -> tuple[str | None, str | None]:
    """(province, city) of where the family lives as the message states it (not the hukou place)."""
    order = {"district": 0, "city": 1, "province": 2}
    entities = sorted(
        (
            entity
            for entity in (parse.entities if parse else ())
            if entity.name in order and (entity.role or "residence") == "residence"
        ),
        key=lambda entity: order[entity.name],
    )
    for entity in entities:
        place = lexicon.place_by_id.get((entity.name, str(entity.value)))
        if place is not None:
            return place.province, place.city
    return None, None


def best_of_topic(kb: KnowledgeBase, topic: str, question: Question) -> Item | None:
    """The first item of the topic that applies at the place (and fits the age, when one does)."""
    age = question.age
    candidates = [item for item in kb.for_place(question.province, question.city) if item.topic == topic]
    fitting = [item for item in candidates if age is None or item.service.audience.includes_age(age)]
    chosen = fitting or candidates
    return chosen[0] if chosen else None


def understand(
    index: Index,
    kb: KnowledgeBase,
    parse: Parse,
    question: Question,
    threshold: float,
    intent_topics: Mapping[str, str],
    *,
    topic: str | None = None,
    limit: int = 3,
) -> Understanding:
    """The ranked answers to the question (see the module's docstring for the rule). `topic` is a
    topic the conversation already knows the question is about (it then comes first); `intent_topics`
    are the intents that are questions about one topic (dialogues/data/rules.yaml)."""
    hits = index.search(
        question.text,
        province=question.province,
        city=question.city,
        age=question.age,
        limit=CANDIDATES,
    )
    confident = parse.confidence >= threshold and (parse.topic or intent_topics.get(parse.intent)) is not None
    first = topic or ((parse.topic or intent_topics.get(parse.intent)) if confident else None)
    if not hits and first is None:
        return Understanding(question, parse, confident, ())
    best = max((hit.score for hit in hits), default=1.0) or 1.0
    by_topic = {hit.item.topic: hit for hit in hits}
    fused: dict[str, float] = {topic: probability for topic, probability in parse.topic_ranking}
    for hit in hits:
        fused[hit.item.topic] = fused.get(hit.item.topic, 0.0) + hit.score / best
    if first is not None:
        fused[first] = fused.get(first, 0.0) + FIRST
    order = sorted(fused, key=lambda name: (-fused[name], name))
    ranking: list[Ranked] = []
    for name in order:
        found = by_topic.get(name)
        if found is None:
            item = best_of_topic(kb, name, question)
            if item is None:
                continue  # the topic has no item where the family lives
            found = Hit(item, 0.0)
        ranking.append(Ranked(found, round(fused.get(name, 0.0), 4)))
        if len(ranking) == limit:
            break
    return Understanding(question, parse, confident, tuple(ranking))
