"""The crisis detector: patterns from nlu/data/crisis.yaml combined with the classifier's crisis
probability, tuned for recall. Reads the whole text (in overlapping chunks), not just the part
the classifier sees, and never trusts instructions inside the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CRISIS_FILE = Path(__file__).resolve().parent / "data" / "crisis.yaml"
CRISIS_DEV_FILE = Path(__file__).resolve().parent / "data" / "crisis_dev.yaml"
# Used until a trained model brings its own (fitted) thresholds; > 1 switches a path off.
DEFAULT_THRESHOLDS = {"damped": 0.5, "weak": 0.9, "none": 1.01}
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
    def any(self) -> bool:
        return bool(self.strong or self.damped or self.weak)

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
    """The detector's own dev lines (nlu/data/crisis_dev.yaml), never the held-out test files."""

    positives: tuple[str, ...]
    negatives: tuple[str, ...]


def load_crisis_dev(path: Path = CRISIS_DEV_FILE) -> CrisisDev:
    if not path.exists():
        return CrisisDev((), ())
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return CrisisDev(
        tuple(map(str, data.get("positives") or [])), tuple(map(str, data.get("negatives") or []))
    )


@dataclass(frozen=True)
class CrisisDecision:
    crisis: bool
    reasons: tuple[str, ...]


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


class CrisisDetector:
    """Patterns first; the classifier's crisis probability decides weak or damped matches."""

    def __init__(self, path: Path = CRISIS_FILE, thresholds: dict[str, float] | None = None) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.negatives = _compile(list(data.get("negatives") or []))
        self.strong = {name: _compile(list(items)) for name, items in (data.get("strong") or {}).items()}
        self.weak = _compile(list(data.get("weak") or []))
        dampers = data.get("dampers") or {}
        self.dampers = {name: _compile(list(items)) for name, items in dampers.items()}
        self.thresholds = dict(thresholds or DEFAULT_THRESHOLDS)

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
            text = (
                self.negatives.sub(lambda found: " " * len(found.group()), chunk) if self.negatives else chunk
            )
            masked = masked or text != chunk
            for name, pattern in self.strong.items():
                if pattern is None or not pattern.search(text):
                    continue
                damper = self.dampers.get(name, self.dampers.get("default"))
                if damper is not None and damper.search(text):
                    damped.add(name)
                else:
                    strong.add(name)
            if self.weak is not None and self.weak.search(text):
                weak = True
        return CrisisMatch(tuple(sorted(strong)), tuple(sorted(damped - strong)), weak, masked)

    def decide(self, found: CrisisMatch, probability: float) -> CrisisDecision:
        """Combine the patterns with the classifier's crisis probability: a strong match decides
        alone; a damped match, a weak cue or no cue at all need the classifier's probability to
        reach that path's threshold; harmless uses of alarming words ("累死了") never do."""
        level = found.level
        if level == "strong":
            return CrisisDecision(True, tuple(f"pattern:{name}" for name in found.strong))
        if level == "masked":
            return CrisisDecision(False, ())
        if probability >= self.thresholds.get(level, 1.01):
            cues = [f"damped:{name}" for name in found.damped] or (
                [f"{level}-cue"] if level == "weak" else []
            )
            return CrisisDecision(True, (*cues, f"classifier:{probability:.2f}"))
        return CrisisDecision(False, ())
