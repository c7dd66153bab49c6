"""The crisis detector: patterns from nlu/data/crisis.yaml combined with the classifier's crisis
probability, tuned for recall. Reads the whole text (in overlapping chunks), not just the part
the classifier sees, and never trusts instructions inside the text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.yamlfile import load_text
from nlu.regex_literals import LiteralIndex, required_literals

CRISIS_FILE = Path(__file__).resolve().parent / "data" / "crisis.yaml"
DEV_PATTERN = "crisis_dev*.yaml"


def crisis_dev_files(directory: Path = CRISIS_FILE.parent) -> tuple[Path, ...]:
    """The dev sets of a data folder (crisis_dev.yaml, crisis_dev2.yaml ... in number order), each
    written by its own author (see the head of each file): a new file is picked up by training, the
    model's cache key and the tests without a code change."""

    def number(path: Path) -> int:
        digits = path.stem.removeprefix("crisis_dev")
        return int(digits) if digits.isdigit() else 1

    return tuple(sorted(directory.glob(DEV_PATTERN), key=number))


CRISIS_DEV_FILES = crisis_dev_files()
# Used until a trained model brings its own thresholds on the scorer's probability (nlu/trainer.py):
# a strong match the scorer read whole and gives less than `veto` is overruled (0 never overrules);
# any other message is a crisis at or above `scorer`.
DEFAULT_THRESHOLDS = {"scorer": 0.8, "veto": 0.0}
# With no cue at all in the patterns, the scorer alone may not flag a message shorter than this
# (content_length): on a few words it extrapolates ("我不知道" scored 0.92 and "I don't know" 0.83,
# since parents in crisis often write 不知道怎么办). On the blind dev sets 11-17 this lost one short
# crisis line of 640; short crises nearly always name a danger the patterns know.
MIN_SCORER_CHARS = 8
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def content_length(normalized: str) -> int:
    """The length of what a normalised text says: one per Chinese character, two per Latin word or
    number (a word carries about as much as two characters); spaces, punctuation and emoji none."""
    return len(_HAN.findall(normalized)) + 2 * len(_WORD.findall(normalized))


CHUNK = 2000
OVERLAP = 60


@dataclass(frozen=True)
class CrisisMatch:
    """What the patterns saw: strong categories (not damped), damped ones, and weak cues."""

    strong: tuple[str, ...] = ()
    damped: tuple[str, ...] = ()
    weak: bool = False
    masked: bool = False  # a negative pattern ("累死了", "打疫苗") was blanked out

    @property
    def level(self) -> str:
        """strong | damped | weak | none | masked (only harmless uses of alarming words)."""
        if self.strong:
            return "strong"
        if self.damped:
            return "damped"
        if self.weak:
            return "weak"
        return "masked" if self.masked else "none"


@dataclass(frozen=True)
class CrisisDev:
    """The detector's own dev lines (nlu/data/crisis_dev*.yaml), never the held-out test files.
    `groups` numbers the file of each line (positives first, then negatives): one author each."""

    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    groups: tuple[int, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return (*self.positives, *self.negatives)

    @property
    def gold(self) -> tuple[bool, ...]:
        return (True,) * len(self.positives) + (False,) * len(self.negatives)


def load_crisis_dev(paths: Path | Sequence[Path] = CRISIS_DEV_FILES) -> CrisisDev:
    """The dev lines of one file or of several (concatenated, positives and negatives apart)."""
    positives: list[tuple[str, int]] = []
    negatives: list[tuple[str, int]] = []
    for group, path in enumerate([paths] if isinstance(paths, Path) else paths):
        if not path.exists():
            continue
        data = load_text(path.read_text(encoding="utf-8")) or {}
        positives += [(str(text), group) for text in data.get("positives") or []]
        negatives += [(str(text), group) for text in data.get("negatives") or []]
    lines = [*positives, *negatives]
    return CrisisDev(
        tuple(text for text, _ in positives),
        tuple(text for text, _ in negatives),
        tuple(group for _, group in lines),
    )


@dataclass(frozen=True)
class CrisisDecision:
    crisis: bool
    reasons: tuple[str, ...]


_TERM = re.compile(r"\{([A-Z][A-Z_]*)\}")


def _expand(pattern: str, terms: dict[str, str]) -> str:
    """Replace `{CHILD}`-style names with their alternations (regex quantifiers like `{0,6}` are
    left alone: term names are upper-case words)."""

    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in terms:
            raise ValueError(f"crisis.yaml: unknown term {{{name}}} in {pattern!r}")
        return f"(?:{terms[name]})"

    return _TERM.sub(one, pattern)


def _pattern(item: object, terms: dict[str, str]) -> str:
    """One list item: a regular expression, or `{all: [a, b, ...], none: [c, ...]}`, which matches
    when every `all` part matches somewhere in the text (in any order) and no `none` part does."""
    if isinstance(item, dict):
        parts = [_expand(str(part), terms) for part in item.get("all") or []]
        if not parts:
            raise ValueError(f"crisis.yaml: empty combination {item!r}")
        excluded = [_expand(str(part), terms) for part in item.get("none") or []]
        return (
            "^"
            + "".join(f"(?=.*?(?:{part}))" for part in parts)
            + "".join(f"(?!.*?(?:{part}))" for part in excluded)
        )
    return _expand(str(item), terms)


def _compile(patterns: list[object], terms: dict[str, str] | None = None) -> re.Pattern[str] | None:
    if not patterns:
        return None
    expanded = [_pattern(item, terms or {}) for item in patterns]
    return re.compile("|".join(f"(?:{pattern})" for pattern in expanded), re.DOTALL)


# What a pattern needs in a text before it can match (nlu/regex_literals.py), by expanded pattern:
# computed when the model is trained and stored with it, since the analysis costs more than
# compiling the patterns.
LiteralTable = dict[str, frozenset[str] | None]


class PatternList:
    """The items of one list searched one by one, each only when the text holds one of its required
    literals: the same answer as one alternation of them all, several times faster, since most items
    cannot match most messages. `searchable=False` keeps only the literals (see `may_match`)."""

    def __init__(
        self, patterns: list[object], terms: dict[str, str], known: LiteralTable, searchable: bool = True
    ) -> None:
        expanded = [_pattern(item, terms) for item in patterns]
        self.required = tuple(
            known[pattern] if pattern in known else required_literals(pattern, re.DOTALL)
            for pattern in expanded
        )
        self.table: LiteralTable = dict(zip(expanded, self.required, strict=True))
        self.regexes = tuple(re.compile(pattern, re.DOTALL) for pattern in expanded) if searchable else ()
        self.unfiltered = tuple(row for row, required in enumerate(self.required) if required is None)
        self.by_literal: dict[str, list[int]] = {}
        for row, required in enumerate(self.required):
            for literal in required or ():
                self.by_literal.setdefault(literal, []).append(row)

    @property
    def literals(self) -> set[str]:
        return set(self.by_literal)

    def candidates(self, present: set[str]) -> list[int]:
        """The items that can match a text holding the literals `present` and no others, in order."""
        rows = set(self.unfiltered)
        for literal in present:  # (never set & dict: that walks the whole dict)
            rows.update(self.by_literal.get(literal, ()))
        return sorted(rows)

    def may_match(self, present: set[str]) -> bool:
        return bool(self.unfiltered) or any(literal in self.by_literal for literal in present)

    def search(self, text: str, present: set[str]) -> bool:
        return any(self.regexes[row].search(text) for row in self.candidates(present))


@dataclass(frozen=True)
class Framing:
    """Words that frame a match as not happening now (fiction, hypothetical, past, policy ...),
    unless the text also says it is happening now (`unless`)."""

    pattern: re.Pattern[str] | None
    unless: re.Pattern[str] | None

    def applies(self, text: str) -> bool:
        if self.pattern is None or not self.pattern.search(text):
            return False
        return self.unless is None or not self.unless.search(text)


class CrisisDetector:
    """Patterns first; the classifier's crisis probability decides weak or damped matches."""

    def __init__(
        self,
        path: Path = CRISIS_FILE,
        thresholds: dict[str, float] | None = None,
        literals: LiteralTable | None = None,
    ) -> None:
        data = load_text(path.read_text(encoding="utf-8"))
        raw_terms = data.get("terms") or {}
        terms: dict[str, str] = {}
        for name, value in raw_terms.items():  # a term may use the terms defined before it
            terms[str(name)] = _expand(str(value), terms)
        known = literals or {}
        negatives = list(data.get("negatives") or [])
        self.negatives = _compile(negatives, terms)  # all at once, for blanking them out
        self.negative_items = PatternList(negatives, terms, known, searchable=False)
        self.strong = {
            name: PatternList(list(items), terms, known) for name, items in (data.get("strong") or {}).items()
        }
        self.weak = PatternList(list(data.get("weak") or []), terms, known)
        lists = (self.negative_items, self.weak, *self.strong.values())
        self.literal_table: LiteralTable = {
            key: value for items in lists for key, value in items.table.items()
        }
        self.literals = LiteralIndex(set().union(*(items.literals for items in lists)))
        self.framing = {
            str(name): Framing(
                _compile(list(group.get("patterns") or []), terms),
                _compile(list(group.get("unless") or []), terms),
            )
            for name, group in (data.get("framing") or {}).items()
        }
        self.dampers: dict[str, tuple[str, ...]] = {}
        for name, groups in (data.get("dampers") or {}).items():
            unknown = [group for group in groups if group not in self.framing]
            if unknown:
                raise ValueError(f"crisis.yaml: damper {name} names unknown framing {unknown}")
            self.dampers[str(name)] = tuple(map(str, groups))
        self.thresholds = dict(thresholds or DEFAULT_THRESHOLDS)

    def damped(self, category: str, text: str) -> bool:
        groups = self.dampers.get(category, self.dampers.get("default", ()))
        return any(self.framing[group].applies(text) for group in groups)

    def chunks(self, normalized: str) -> list[str]:
        if len(normalized) <= CHUNK:
            return [normalized]
        step = CHUNK - OVERLAP
        return [normalized[start : start + CHUNK] for start in range(0, len(normalized), step)]

    def match(self, normalized: str) -> CrisisMatch:
        """Scan normalised text (Traditional already converted) chunk by chunk."""
        strong: set[str] = set()
        damped: set[str] = set()
        weak = False
        masked = False
        for chunk in self.chunks(normalized):
            # Literals of the chunk before blanking: a superset of what the blanked text holds, so
            # no pattern that could match is skipped.
            present = self.literals.present(chunk)
            text = chunk
            if self.negatives is not None and self.negative_items.may_match(present):
                text = self.negatives.sub(lambda found: " " * len(found.group()), chunk)
            masked = masked or text != chunk
            for name, items in self.strong.items():
                if not items.search(text, present):
                    continue
                if self.damped(name, text):
                    damped.add(name)
                else:
                    strong.add(name)
            weak = weak or self.weak.search(text, present)
        return CrisisMatch(tuple(sorted(strong)), tuple(sorted(damped - strong)), weak, masked)

    def decide(
        self, found: CrisisMatch, probability: float, whole: bool = True, length: int = MIN_SCORER_CHARS
    ) -> CrisisDecision:
        """Combine the patterns with the crisis scorer's probability (nlu/crisis_scorer.py): a
        strong match decides unless the scorer read the `whole` message and is all but certain it is
        harmless (`veto`); any other message (a damped match, a weak cue, only harmless uses of
        alarming words such as "累死了", or no cue at all) is a crisis when the scorer reaches its
        threshold, and with no cue at all only when the message has `length` >= MIN_SCORER_CHARS
        content characters."""
        if found.strong:
            if whole and probability < self.thresholds.get("veto", 0.0):
                return CrisisDecision(False, ())
            return CrisisDecision(True, tuple(f"pattern:{name}" for name in found.strong))
        if found.level in ("none", "masked") and length < MIN_SCORER_CHARS:
            return CrisisDecision(False, ())
        if probability >= self.thresholds.get("scorer", 1.01):
            cues = [f"damped:{name}" for name in found.damped] or (["weak-cue"] if found.weak else [])
            return CrisisDecision(True, (*cues, f"scorer:{probability:.2f}"))
        return CrisisDecision(False, ())
