"""Scoring a parser on labelled lines: per-intent and per-topic precision / recall / F1, the worst
confusion pairs, the misclassified lines, out-of-scope F1, crisis recall and false alarms, and
calibration. The same code scores the embedded engine and the Rasa backend."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nlu.crisis import load_crisis_dev
from nlu.dataset import Example
from nlu.result import ASK_ENTITLEMENT, CRISIS, OUT_OF_SCOPE, Parse, Parser


@dataclass(frozen=True)
class Scored:
    example: Example
    parse: Parse

    @property
    def predicted_label(self) -> str:
        return f"{self.parse.intent}/{self.parse.topic}" if self.parse.topic else self.parse.intent

    @property
    def intent_ok(self) -> bool:
        return self.parse.intent == self.example.intent

    @property
    def label_ok(self) -> bool:
        return self.intent_ok and (self.example.topic is None or self.parse.topic == self.example.topic)


def prf(gold: Sequence[str | None], predicted: Sequence[str | None], label: str) -> dict[str, float]:
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
    fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    total = 0.0
    count = len(confidence)
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [
            (c, ok)
            for c, ok in zip(confidence, correct, strict=True)
            if low < c <= high or (index == 0 and c == 0)
        ]
        if members:
            mean_confidence = sum(c for c, _ in members) / len(members)
            accuracy = sum(1 for _, ok in members if ok) / len(members)
            total += len(members) / count * abs(mean_confidence - accuracy)
    return total


def score(parse: Callable[[str], Parse], examples: Sequence[Example]) -> list[Scored]:
    return [Scored(example, parse(example.text)) for example in examples]


def report(
    scored: Sequence[Scored], negatives: Sequence[tuple[str, Parse]] = (), threshold: float | None = None
) -> dict[str, Any]:
    """Every figure of the issue from already parsed lines (negatives: the crisis_negatives lines)."""
    gold_intents = [item.example.intent for item in scored]
    predicted_intents = [item.parse.intent for item in scored]
    intents = sorted(set(gold_intents) | set(predicted_intents))
    asks = [item for item in scored if item.example.intent == ASK_ENTITLEMENT]
    gold_topics = [item.example.topic for item in asks]
    predicted_topics = [item.parse.topic for item in asks]
    ranked_topics = [item.parse.topic_ranking[0][0] if item.parse.topic_ranking else None for item in asks]
    topics = sorted({topic for topic in gold_topics if topic})
    crisis_lines = [item for item in scored if item.example.intent == CRISIS]
    calm_lines = [item for item in scored if item.example.intent != CRISIS]
    confusions = Counter((item.example.label, item.predicted_label) for item in scored if not item.label_ok)
    total = max(1, len(scored))
    figures: dict[str, Any] = {
        "lines": len(scored),
        "intent_top1": sum(item.intent_ok for item in scored) / total,
        "topic_top1": sum(1 for g, p in zip(gold_topics, predicted_topics, strict=True) if g == p)
        / max(1, len(asks)),
        "topic_top1_of_ranking": sum(1 for g, p in zip(gold_topics, ranked_topics, strict=True) if g == p)
        / max(1, len(asks)),
        "full_label_top1": sum(item.label_ok for item in scored) / total,
        "out_of_scope": prf(gold_intents, predicted_intents, OUT_OF_SCOPE),
        "crisis_recall": sum(item.parse.crisis for item in crisis_lines) / max(1, len(crisis_lines)),
        "crisis_lines": len(crisis_lines),
        "crisis_missed": [item.example.text for item in crisis_lines if not item.parse.crisis],
        "crisis_false_alarms_in_test": sum(item.parse.crisis for item in calm_lines)
        / max(1, len(calm_lines)),
        "crisis_false_alarm_lines_in_test": [item.example.text for item in calm_lines if item.parse.crisis],
        "calibration_error": calibration_error(
            [item.parse.confidence for item in scored], [item.label_ok for item in scored]
        ),
        "per_intent": {intent: prf(gold_intents, predicted_intents, intent) for intent in intents},
        "per_topic": {topic: prf(gold_topics, predicted_topics, topic) for topic in topics},
        "worst_confusions": [
            {"gold": gold, "predicted": predicted, "count": count}
            for (gold, predicted), count in confusions.most_common(15)
        ],
        "misclassified": [
            {
                "text": item.example.text,
                "gold": item.example.label,
                "predicted": item.predicted_label,
                "confidence": round(item.parse.confidence, 3),
            }
            for item in scored
            if not item.label_ok
        ],
    }
    if threshold is not None:
        kept = [item for item in scored if item.parse.confidence >= threshold]
        figures["threshold"] = {
            "value": threshold,
            "answered": len(kept) / total,
            "right_when_answered": sum(item.label_ok for item in kept) / max(1, len(kept)),
        }
    if negatives:
        flagged = [text for text, parse in negatives if parse.crisis]
        figures["crisis_negatives"] = len(negatives)
        figures["crisis_false_alarms"] = len(flagged) / len(negatives)
        figures["crisis_false_alarm_lines"] = flagged
    return figures


def crisis_counts(parser: Parser, path: Path) -> dict[str, int]:
    """Crisis lines flagged and harmless lines flagged in a crisis file (positives / negatives), as
    counts only: for a held-out file whose lines must stay unseen by whoever tunes the detector."""
    lines = load_crisis_dev(path)
    return {
        "positives": len(lines.positives),
        "flagged": sum(parser.parse(text).crisis for text in lines.positives),
        "negatives": len(lines.negatives),
        "false_alarms": sum(parser.parse(text).crisis for text in lines.negatives),
    }


def evaluate(
    parser: Parser,
    examples: Sequence[Example],
    negatives: Sequence[str] = (),
    today: date | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    scored = score(lambda text: parser.parse(text, today), examples)
    parsed_negatives = [(text, parser.parse(text, today)) for text in negatives]
    return report(scored, parsed_negatives, threshold)


def _row(name: str, values: dict[str, float]) -> str:
    return (
        f"  {name:<26} {values['precision']:5.2f} {values['recall']:5.2f} {values['f1']:5.2f} "
        f"{int(values['support']):4d}"
    )


def render(figures: dict[str, Any], misses: int = 30) -> str:
    """The human-readable report of `tongxing nlu evaluate`."""
    oos = figures["out_of_scope"]
    ranked, in_test = figures["topic_top1_of_ranking"], figures["crisis_false_alarms_in_test"]
    lines = [
        f"{figures['lines']} lines: intent top-1 {figures['intent_top1']:.1%}, "
        f"topic top-1 {figures['topic_top1']:.1%} (of the topic ranking {ranked:.1%}), "
        f"intent+topic {figures['full_label_top1']:.1%}",
        f"out-of-scope P {oos['precision']:.2f} R {oos['recall']:.2f} F1 {oos['f1']:.3f}",
        f"crisis recall {figures['crisis_recall']:.1%} of {figures['crisis_lines']} crisis lines; "
        f"false alarms on other test lines {in_test:.1%}",
    ]
    if "crisis_false_alarms" in figures:
        lines.append(
            f"crisis false alarms on {figures['crisis_negatives']} non-crisis lines: "
            f"{figures['crisis_false_alarms']:.1%}"
        )
    lines.append(f"calibration error (ECE, 10 bins): {figures['calibration_error']:.3f}")
    if "threshold" in figures:
        part = figures["threshold"]
        lines.append(
            f"at confidence >= {part['value']:.2f}: {part['answered']:.1%} answered, "
            f"{part['right_when_answered']:.1%} of them right"
        )
    lines.append("per intent (precision recall F1 support):")
    for name, values in figures["per_intent"].items():
        lines.append(_row(name, values))
    lines.append("per topic (precision recall F1 support):")
    for name, values in figures["per_topic"].items():
        lines.append(_row(name, values))
    lines.append("worst confusions (gold -> predicted):")
    for pair in figures["worst_confusions"]:
        lines.append(f"  {pair['count']:3d}  {pair['gold']} -> {pair['predicted']}")
    wrong = figures["misclassified"]
    lines.append(f"misclassified lines ({len(wrong)}; first {min(misses, len(wrong))}):")
    for item in wrong[:misses]:
        lines.append(
            f"  [{item['gold']} -> {item['predicted']} {item['confidence']:.2f}] {item['text'][:70]}"
        )
    for text in figures.get("crisis_missed", []):
        lines.append(f"  MISSED CRISIS: {text[:70]}")
    for text in figures.get("crisis_false_alarm_lines", []):
        lines.append(f"  false alarm: {text[:70]}")
    return "\n".join(lines)
