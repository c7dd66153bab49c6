"""Retrieval: a parent's question -> ranked service items with scores.

Two BM25 channels over each item's text: lexicon-normalised terms (synonyms
mapped onto canonical terms, so 暂住证 finds 居住证) and character bigrams (robust
to typos and words the lexicon lacks). Items are filtered by place (national +
city list, or province list) and softly by the child's age.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from core.tokenizer import Tokenizer
from knowledge.catalog import Item, KnowledgeBase

K1 = 1.2
B = 0.75
BIGRAM_WEIGHT = 0.35
AGE_MISMATCH_FACTOR = 0.35
CONTEXT_WEIGHT = 0.35
MIN_SCORE = 2.5  # below this, the knowledge base has no answer (calibrated on bench/, see README)


@dataclass(frozen=True)
class Hit:
    item: Item
    score: float


class _Bm25:
    """Okapi BM25 over weighted bags of tokens (one bag per item)."""

    def __init__(self, bags: Sequence[Counter[str]]) -> None:
        self.bags = bags
        self.lengths = [sum(bag.values()) for bag in bags]
        self.average = (sum(self.lengths) / len(bags)) if bags else 1.0
        frequency: Counter[str] = Counter()
        for bag in bags:
            frequency.update(bag.keys())
        count = len(bags)
        self.idf = {token: math.log(1 + (count - df + 0.5) / (df + 0.5)) for token, df in frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for position, bag in enumerate(bags):
            norm = K1 * (1 - B + B * self.lengths[position] / self.average)
            for token, tf in bag.items():
                weight = self.idf[token] * tf * (K1 + 1) / (tf + norm)
                self.postings.setdefault(token, []).append((position, weight))

    def scores(self, query: Sequence[str], weights: dict[str, float] | None = None) -> dict[int, float]:
        totals: dict[int, float] = {}
        for token in set(query):
            factor = weights.get(token, 1.0) if weights else 1.0
            for position, weight in self.postings.get(token, ()):
                totals[position] = totals.get(position, 0.0) + factor * weight
        return totals


def _item_fields(item: Item) -> list[tuple[str, int]]:
    """The texts of an item with their weights."""
    service = item.service
    fields: list[tuple[str, int]] = [
        (service.title, 3),
        (service.summary, 2),
        (service.audience.description, 1),
    ]
    fields += [(keyword, 2) for keyword in service.keywords]
    fields += [(line, 1) for line in service.provides]
    fields += [(term, 1) for term in service.terms]
    return fields


class Index:
    """The retrieval index over one knowledge base; built once at start-up."""

    def __init__(self, kb: KnowledgeBase, tokenizer: Tokenizer) -> None:
        self.kb = kb
        self.tokenizer = tokenizer
        self.items = kb.items
        self.position = {item.id: position for position, item in enumerate(self.items)}
        term_bags: list[Counter[str]] = []
        gram_bags: list[Counter[str]] = []
        for item in self.items:
            terms: Counter[str] = Counter()
            grams: Counter[str] = Counter()
            for text, weight in _item_fields(item):
                for term in tokenizer.terms(text):
                    terms[term] += weight
                for gram in tokenizer.bigrams(tokenizer.normalize(text)):
                    grams[gram] += weight
            term_bags.append(terms)
            gram_bags.append(grams)
        self._terms = _Bm25(term_bags)
        self._grams = _Bm25(gram_bags)

    def search(
        self,
        question: str,
        *,
        province: str | None = None,
        city: str | None = None,
        age: float | None = None,
        limit: int = 5,
        one_per_topic: bool = True,
    ) -> list[Hit]:
        """Ranked items for the place; the best item of each topic unless one_per_topic is False."""
        text = self.tokenizer.normalize(question)
        terms, content = self.tokenizer.query(text)
        context = self.tokenizer.lexicon.context_terms
        weights = None
        if any(term not in context and term in self._terms.idf for term in terms):
            # context terms ("we have a residence permit...") count less beside a real subject
            weights = {term: CONTEXT_WEIGHT for term in terms if term in context}
        term_scores = self._terms.scores(terms, weights)
        gram_scores = self._grams.scores(self.tokenizer.bigrams(" ".join(content)))
        allowed = {self.position[item.id] for item in self.kb.for_place(province, city)}
        hits: list[Hit] = []
        for position in set(term_scores) | set(gram_scores):
            if position not in allowed:
                continue
            item = self.items[position]
            score = term_scores.get(position, 0.0) + BIGRAM_WEIGHT * gram_scores.get(position, 0.0)
            if age is not None and not item.service.audience.includes_age(age):
                score *= AGE_MISMATCH_FACTOR
            if score >= MIN_SCORE:
                hits.append(Hit(item, round(score, 3)))
        hits.sort(key=lambda hit: (-hit.score, hit.item.layer != "national", hit.item.id))
        if one_per_topic:
            seen: set[str] = set()
            unique = []
            for hit in hits:
                if hit.item.topic not in seen:
                    seen.add(hit.item.topic)
                    unique.append(hit)
            hits = unique
        return hits[:limit]
