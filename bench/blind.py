"""Score a new author's blind lines with the current model, before they are merged into the training
data: `python -m bench.blind FILE...`. Each file holds flow-style lines

    - {text: "...", intent: out_of_scope}
    - {text: "...", intent: ask_entitlement, topic: residence_permit}

Printed per file and pooled: intent accuracy, label accuracy (intent and topic), topic accuracy on the
ask_entitlement lines, out-of-scope precision and recall, the confusion pairs and the misclassified
lines (these are dev lines, written to be read: never point this at data/test/)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.app import load_parser, load_tokenizer
from core.lexicon import load_lexicon
from core.settings import Settings
from nlu.dataset import DATA_DIR, DataError, Example
from nlu.evaluation import Scored, report, score
from nlu.result import ASK_ENTITLEMENT, Parser


def read_blind(path: Path) -> list[Example]:
    """The labelled lines of one blind file; a line without text or intent is a DataError naming it."""
    if path.resolve().is_relative_to((DATA_DIR / "test").resolve()):
        raise DataError(f"{path}: held-out lines are not scored here")
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(items, list):
        raise DataError(f"{path}: expected a list of {{text, intent, topic}} lines")
    examples: list[Example] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item.get("intent"):
            raise DataError(f"{path}: item {number}: expected {{text: ..., intent: ...}}")
        intent = str(item["intent"])
        topic = item.get("topic")
        if (intent == ASK_ENTITLEMENT) != bool(topic):
            raise DataError(f"{path}: item {number}: a topic goes with ask_entitlement and only with it")
        examples.append(
            Example(item["text"], intent, str(topic) if topic else None, source=f"{path}:{number}")
        )
    return examples


def figures(scored: Sequence[Scored]) -> dict[str, Any]:
    """The blind figures of one author's lines (nlu.evaluation.report plus the label accuracy)."""
    result = report(scored)
    asks = [item for item in scored if item.example.intent == ASK_ENTITLEMENT]
    result["ask_lines"] = len(asks)
    result["ask_topic_top1"] = sum(item.parse.topic == item.example.topic for item in asks) / max(
        1, len(asks)
    )
    return result


def render(name: str, result: dict[str, Any], misses: int) -> str:
    oos = result["out_of_scope"]
    lines = [
        f"{name}: {result['lines']} lines; intent {result['intent_top1']:.1%}, "
        f"label {result['full_label_top1']:.1%}, topic {result['ask_topic_top1']:.1%} "
        f"of {result['ask_lines']} ask_entitlement lines; out of scope P {oos['precision']:.2f} "
        f"R {oos['recall']:.2f} F1 {oos['f1']:.3f} ({int(oos['support'])} lines)",
        "  confusions (gold -> predicted):",
    ]
    for pair in result["worst_confusions"]:
        lines.append(f"    {pair['count']:3d}  {pair['gold']} -> {pair['predicted']}")
    wrong = result["misclassified"]
    for item in wrong[:misses]:
        lines.append(f"  [{item['gold']} -> {item['predicted']} {item['confidence']:.2f}] {item['text']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = argparse.ArgumentParser(prog="python -m bench.blind")
    arguments.add_argument("files", nargs="+", type=Path)
    arguments.add_argument("--misses", type=int, default=400, help="how many misclassified lines to show")
    options = arguments.parse_args(argv)
    settings = Settings()
    parser: Parser = load_parser(settings, load_tokenizer(settings, load_lexicon()))
    pooled: list[Scored] = []
    for path in options.files:
        scored = score(parser.parse, read_blind(path))
        pooled += scored
        print(render(path.name, figures(scored), options.misses))
    if len(options.files) > 1:
        print(render("all", figures(pooled), 0))


if __name__ == "__main__":
    main()
