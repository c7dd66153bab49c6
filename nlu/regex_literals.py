"""Required literals of a regular expression: a set of strings one of which appears in every text
the expression can find a match in. A detector with hundreds of patterns checks these (cheap
substring tests) and runs only the patterns that can match, with the same result as running them
all. The analysis is conservative: wherever it is unsure it answers None (run the pattern)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

try:  # the standard library's own parser (stable across 3.11-3.13, private by name)
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python: no prefilter, every pattern runs
    sre = sre_parse = None

MAX_STRINGS = 64  # the largest finite set of strings followed through a pattern
LAMBDA = 0.01  # a cost per literal: a long list of rare literals is slow to look for
Strings = frozenset[str]


@dataclass(frozen=True)
class _Node:
    """What one piece of a pattern can match: `exact` is every string it can match (when that set is
    small and known), `required` a set of literals one of which any match puts in the text."""

    exact: Strings | None = None
    required: Strings | None = None
    zero_width: bool = False

    @property
    def needs(self) -> Strings | None:
        if self.required is not None:
            return self.required
        if self.exact is not None and "" not in self.exact:
            return self.exact
        return None


_UNKNOWN = _Node()
_EMPTY = _Node(exact=frozenset({""}), zero_width=True)


def _cost(literals: Strings) -> float:
    """How likely a text is to contain one of the literals (smaller is a better filter): each longer
    literal is rarer; ASCII letters carry less than Chinese characters."""
    total = 0.0
    for literal in literals:
        weight = sum(0.35 if character.isascii() else 1.0 for character in literal)
        total += 8.0 ** -max(0.0, weight - 1.0) + LAMBDA
    return total


def _best(candidates: Iterable[Strings | None]) -> Strings | None:
    known = [candidate for candidate in candidates if candidate]
    return min(known, key=_cost) if known else None


def _product(left: Strings, right: Strings) -> Strings | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _char_set(items: list[tuple[Any, Any]]) -> Strings | None:
    characters: set[str] = set()
    for op, value in items:
        if op is sre.LITERAL:
            characters.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < MAX_STRINGS:
            characters.update(chr(code) for code in range(value[0], value[1] + 1))
        else:  # NEGATE, CATEGORY, a large range
            return None
    return frozenset(characters) if len(characters) <= MAX_STRINGS else None


def _non_empty(strings: Strings) -> Strings | None:
    """A stretch's strings as a requirement: only if none of them is empty."""
    return strings if strings and "" not in strings else None


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Node:
    candidates: list[Strings | None] = []
    run: Strings = frozenset({""})  # the exact strings of the current stretch of exact pieces
    whole: Strings | None = frozenset({""})  # the exact strings of the whole sequence, while known
    for op, value in items:
        node = _node(op, value)
        if node.zero_width:
            candidates.append(node.required)
            continue
        if node.exact is not None:
            joined = _product(run, node.exact)
            if joined is None:  # too many strings: close this stretch, start a new one
                candidates.append(_non_empty(run))
                joined = node.exact
            run = joined
            whole = _product(whole, node.exact) if whole is not None else None
            continue
        candidates += [_non_empty(run), node.needs]
        run, whole = frozenset({""}), None
    candidates.append(_non_empty(run))
    return _Node(exact=whole, required=_best(candidates))


def _node(op: Any, value: Any) -> _Node:
    if op is sre.LITERAL:
        return _Node(exact=frozenset({chr(value)}))
    if op is sre.IN:
        return _Node(exact=_char_set(value))
    if op is sre.BRANCH:
        branches = [_sequence(branch) for branch in value[1]]
        exact: Strings | None = frozenset()
        for branch in branches:
            if exact is None or branch.exact is None:
                exact = None
                break
            exact = exact | branch.exact
        if exact is not None and len(exact) > MAX_STRINGS:
            exact = None
        needs = [branch.needs for branch in branches]
        required = None if any(item is None for item in needs) else frozenset().union(*needs)  # type: ignore[arg-type]
        return _Node(exact=exact, required=required)
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, body = value
        if add_flags & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_LOCALE):
            return _UNKNOWN
        return _sequence(body)
    if op is sre.ATOMIC_GROUP:
        return _sequence(value)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = value
        inner = _sequence(body)
        if low == 0:
            optional = inner.exact | {""} if inner.exact is not None and high == 1 else None
            return _Node(exact=optional)
        if low == high == 1:
            return inner
        return _Node(required=inner.needs)
    if op is sre.AT:
        return _EMPTY
    if op is sre.ASSERT:  # a look-ahead or look-behind must also find its text
        return _Node(exact=frozenset({""}), required=_sequence(value[1]).needs, zero_width=True)
    if op is sre.ASSERT_NOT:
        return _EMPTY
    return _UNKNOWN  # ANY, NOT_LITERAL, CATEGORY, group references ...


def required_literals(pattern: str, flags: int = 0) -> Strings | None:
    """Strings one of which every text that `pattern` matches in contains, or None when unknown
    (also for case-insensitive patterns and anything the analysis cannot follow)."""
    if sre_parse is None or flags & (re.IGNORECASE | re.LOCALE):
        return None
    try:
        parsed = sre_parse.parse(pattern, flags)
        if parsed.state.flags & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_LOCALE):
            return None
        return _sequence(parsed.data).needs
    except Exception:  # an unknown construct: no filter, never a wrong one
        return None


class LiteralIndex:
    """Which of many literals a text contains: single characters through the text's set of
    characters; a longer literal through one of its two-character pairs, the one fewest other
    literals share (so a common pair such as 孩子 does not lead to hundreds of substring tests),
    then a substring test."""

    def __init__(self, literals: Iterable[str]) -> None:
        every = set(literals)  # read once: `literals` may be a generator
        longer = {literal for literal in every if len(literal) > 1}
        self.singles = frozenset(literal for literal in every if len(literal) == 1)
        shared: dict[str, int] = {}
        for literal in longer:
            for pair in _pairs(literal):
                shared[pair] = shared.get(pair, 0) + 1
        grouped: dict[str, list[str]] = {}
        for literal in sorted(longer):
            pair = min(sorted(_pairs(literal)), key=shared.__getitem__)
            grouped.setdefault(pair, []).append(literal)
        self.by_pair = {pair: tuple(group) for pair, group in grouped.items()}

    def present(self, text: str) -> set[str]:
        found = set(self.singles.intersection(text))
        by_pair = self.by_pair
        for pair in _pairs(text):  # (never set & dict: that walks the whole dict)
            for literal in by_pair.get(pair, ()):
                if len(literal) == 2 or literal in text:
                    found.add(literal)
        return found


def _pairs(text: str) -> set[str]:
    return {text[start : start + 2] for start in range(len(text) - 1)}
