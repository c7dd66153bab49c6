"""Answers to parents' questions: hit@1 and hit@3 by topic, and latency, of retrieval alone
(knowledge/index.py) and of `tongxing ask` (bot/hotline.py: the classifier's topic and retrieval
fused, as the chat understands a question)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.timing import latency, measure, write_result
from bot.hotline import Hotline
from core.i18n import Translator
from knowledge.index import Index

QUESTIONS = Path(__file__).resolve().parent / "data" / "retrieval_questions.yaml"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])


Rank = Callable[[dict[str, Any]], list[str]]  # a labelled question -> the topics answered, best first


def by_retrieval(index: Index) -> Rank:
    def rank(question: dict[str, Any]) -> list[str]:
        hits = index.search(
            question["text"],
            province=question.get("province"),
            city=question.get("city"),
            age=question.get("age"),
            limit=3,
        )
        return [hit.item.topic for hit in hits]

    return rank


def by_ask(hotline: Hotline) -> Rank:
    """What `tongxing ask --city ... --age ...` answers, with the place and age the question states."""
    translator = Translator("zh_Hans")

    def rank(question: dict[str, Any]) -> list[str]:
        result = hotline.answer(
            question["text"],
            province=question.get("province"),
            city=question.get("city"),
            age=question.get("age"),
            translator=translator,
            limit=3,
        )
        return [answer.topic for answer in result.answers]

    return rank


def evaluate(index: Index, questions: list[dict[str, Any]]) -> dict[str, Any]:
    return evaluate_rank(by_retrieval(index), questions)


def evaluate_rank(rank: Rank, questions: list[dict[str, Any]], repeats: int = 5) -> dict[str, Any]:
    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # count, hit1, hit3
    misses: list[dict[str, Any]] = []
    samples: list[float] = []
    for question in questions:

        def search(question: dict[str, Any] = question) -> list[str]:
            return rank(question)

        topics = search()
        for _ in range(repeats):  # warm repeats for latency
            samples += measure(search)
        counts = per_topic[question["topic"]]
        counts[0] += 1
        if topics[:1] == [question["topic"]]:
            counts[1] += 1
        else:
            misses.append({"text": question["text"], "label": question["topic"], "got": topics})
        if question["topic"] in topics[:3]:
            counts[2] += 1
    total = sum(counts[0] for counts in per_topic.values())
    return {
        "questions": total,
        "hit_at_1": sum(counts[1] for counts in per_topic.values()) / total,
        "hit_at_3": sum(counts[2] for counts in per_topic.values()) / total,
        "per_topic": {
            topic: {"n": counts[0], "hit_at_1": counts[1] / counts[0], "hit_at_3": counts[2] / counts[0]}
            for topic, counts in sorted(per_topic.items())
        },
        "latency": latency(samples),
        "misses": misses,
    }


def report(
    result: dict[str, Any],
    out: Path | None = None,
    show_misses: int = 15,
    name: str = "retrieval",
    targets: tuple[str, str, str] = ("85%", "95%", "5 ms"),
) -> str:
    lines = [
        f"{name}: {result['questions']} questions, hit@1 {result['hit_at_1']:.1%} (target >= {targets[0]}), "
        f"hit@3 {result['hit_at_3']:.1%} (target >= {targets[1]})",
        result["latency"].line(f"{name} latency, whole KB loaded (target p99 <= {targets[2]})"),
        "per topic (n, hit@1, hit@3):",
    ]
    for topic, figures in result["per_topic"].items():
        hits = f"{figures['hit_at_1']:6.1%}  {figures['hit_at_3']:6.1%}"
        lines.append(f"  {topic:<24} {figures['n']:>3}  {hits}")
    if result["misses"]:
        shown = min(show_misses, len(result["misses"]))
        lines.append(f"first {shown} of {len(result['misses'])} top-1 misses:")
        for miss in result["misses"][:show_misses]:
            lines.append(f"  [{miss['label']}] -> {miss['got']}: {miss['text'][:60]}")
    if out is not None:
        write_result(out, result)
    return "\n".join(lines)
