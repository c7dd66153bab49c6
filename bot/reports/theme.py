"""Grouping questions into themes: questions with the same terms (jieba words and the domain
lexicon's canonical terms, computed by bot/reports/refresh.py) are one signature; signatures join the
theme whose most frequent terms they share most (Jaccard similarity at least JOIN), the largest
first. Simple, deterministic, and readable: a theme is named by its most frequent terms."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

JOIN = 0.34
NAME_TERMS = 3
TOP_TERMS = 4


@dataclass
class Theme:
    terms: Counter[str] = field(default_factory=Counter)
    signatures: list[str] = field(default_factory=list)
    families: set[str] = field(default_factory=set)
    questions: int = 0

    def top(self, n: int = TOP_TERMS) -> set[str]:
        return {term for term, _ in sorted(self.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:n]}

    def name(self) -> str:
        ranked = sorted(self.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:NAME_TERMS]
        return " ".join(term for term, _ in ranked) or "-"


def group(signatures: dict[str, dict[str, int]]) -> list[Theme]:
    """{signature: {family: questions}} -> themes, largest first."""
    themes: list[Theme] = []
    order = sorted(signatures, key=lambda sig: (-sum(signatures[sig].values()), sig))
    for signature in order:
        terms = set(signature.split())
        best: Theme | None = None
        best_score = 0.0
        if terms:
            for theme in themes:
                top = theme.top()
                score = len(terms & top) / len(terms | top)
                if score > best_score:
                    best, best_score = theme, score
        if best is None or best_score < JOIN:
            best = Theme()
            themes.append(best)
        families = signatures[signature]
        count = sum(families.values())
        best.signatures.append(signature)
        best.families |= set(families)
        best.questions += count
        for term in terms:
            best.terms[term] += count
    themes.sort(key=lambda theme: (-theme.questions, theme.name()))
    return themes
