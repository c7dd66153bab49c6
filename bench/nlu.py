"""NLU on the held-out file: intent and topic top-1, out-of-scope F1, crisis recall and false
alarms, parse latency in-process, model load time and training time."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.timing import latency, measure, write_result
from core.lexicon import load_lexicon
from core.settings import Settings
from core.tokenizer import Tokenizer
from nlu.crisis import CRISIS_DEV_FILES
from nlu.dataset import CRISIS_FRESH_FILES, CRISIS_NEGATIVES_FILE, TEST_FILE, read_examples, read_lines
from nlu.engine import EmbeddedParser, model_dir, train_and_save
from nlu.evaluation import crisis_counts, evaluate
from nlu.model import load_model
from nlu.result import CRISIS


def evaluate_nlu(
    repeats: int = 5, test_file: Path = TEST_FILE, negatives_file: Path = CRISIS_NEGATIVES_FILE
) -> dict[str, Any]:
    """Train from scratch in a scratch data directory (timed), load (timed), evaluate, time parses."""
    with tempfile.TemporaryDirectory(prefix="tongxing-bench-nlu-") as scratch:
        started = time.perf_counter()
        tokenizer = Tokenizer(load_lexicon(), cache_dir=Path(scratch) / "jieba")
        tokenizer_seconds = time.perf_counter() - started
        settings = Settings(data_dir=Path(scratch))
        model, _, train_seconds = train_and_save(settings, tokenizer)
        loads = []
        parser: EmbeddedParser | None = None
        for _ in range(3):
            re.purge()  # a fresh process compiles every crisis pattern: so does each timed load
            started = time.perf_counter()
            parser = EmbeddedParser(load_model(model_dir(settings)), tokenizer)
            loads.append(time.perf_counter() - started)
        assert parser is not None
        examples = read_examples(test_file)
        negatives = read_lines(negatives_file)
        figures = evaluate(parser, examples, negatives, threshold=parser.recommended_threshold)
        for key in ("crisis_missed", "crisis_false_alarm_lines", "crisis_false_alarm_lines_in_test"):
            figures.pop(key, None)  # counts only, in the printout and in the JSON
        figures["crisis_fresh"] = {path.name: crisis_counts(parser, path) for path in CRISIS_FRESH_FILES}
        samples: list[float] = []
        for example in examples:
            samples += measure(lambda text=example.text: parser.parse(text), repeat=repeats)
        figures.update(
            {
                "train_seconds": train_seconds,
                "load_seconds": min(loads),
                "tokenizer_seconds": tokenizer_seconds,
                "latency": latency(samples),
                "training_info": model.info,
                "recommended_threshold": parser.recommended_threshold,
            }
        )
        return figures


def report(result: dict[str, Any], out: Path | None = None, show_misses: int = 15) -> str:
    oos = result["out_of_scope"]
    precision_recall = f"P {oos['precision']:.2f} R {oos['recall']:.2f}"
    lines = [
        f"nlu: {result['lines']} held-out lines; intent top-1 {result['intent_top1']:.1%} (target >= 95%), "
        f"topic top-1 {result['topic_top1']:.1%} (target >= 90%; "
        f"of the topic ranking {result['topic_top1_of_ranking']:.1%})",
        f"out-of-scope F1 {oos['f1']:.3f} (target >= 0.90; {precision_recall})",
        f"crisis recall {result['crisis_recall']:.1%} of {result['crisis_lines']} crisis lines "
        "(target 100%); "
        f"false alarms {result.get('crisis_false_alarms', 0.0):.1%} of {result.get('crisis_negatives', 0)} "
        f"non-crisis lines (target <= 1%), "
        f"{result['crisis_false_alarms_in_test']:.1%} of the other held-out lines",
        f"calibration error (ECE) {result['calibration_error']:.3f}; at the recommended threshold "
        f"{result['recommended_threshold']:.2f}: {result['threshold']['answered']:.1%} answered, "
        f"{result['threshold']['right_when_answered']:.1%} right",
        result["latency"].line("parse latency in-process (target p99 <= 3 ms)"),
        f"model load {result['load_seconds'] * 1000:.0f} ms (target <= 1 s; the shared tokenizer took "
        f"{result['tokenizer_seconds']:.2f} s once per process); training {result['train_seconds']:.1f} s "
        f"(target <= 60 s)",
    ]
    for name, fresh in result["crisis_fresh"].items():
        lines.append(
            f"crisis on {name} (lines never read by whoever tunes the detector): recall "
            f"{fresh['flagged']}/{fresh['positives']} ({fresh['flagged'] / max(1, fresh['positives']):.1%}), "
            f"false alarms {fresh['false_alarms']}/{fresh['negatives']} "
            f"({fresh['false_alarms'] / max(1, fresh['negatives']):.1%})"
        )
    info = result["training_info"]
    authors = ", ".join(
        f"{path.stem.removeprefix('crisis_')} {row['recall']:.0%}/{row['false_alarms']:.1%}"
        for path, row in zip(CRISIS_DEV_FILES, info["dev_crisis_by_author"], strict=False)
    )
    lines.append(
        "crisis dev sets, each scored by a scorer that never saw its author (recall/false alarms; the "
        f"patterns saw them all): {authors}"
    )
    lines.append(
        f"dev (5-fold CV on the training data): intent {info['cv_intent_top1']:.1%}, "
        f"topic {info['cv_topic_top1']:.1%}, "
        f"OOS F1 {info['cv_out_of_scope_f1']:.3f}, ECE raw {info['cv_ece_raw']:.3f} -> calibrated "
        f"{info['cv_ece_calibrated']:.3f}"
    )
    # Crisis lines of the held-out files are counted above and never listed: the detector is tuned on
    # its dev sets only, and a line one has read can no longer measure it (`tongxing nlu evaluate`
    # lists everything, for whoever decides to look).
    wrong = [item for item in result["misclassified"] if CRISIS not in (item["gold"], item["predicted"])]
    if wrong:
        shown = min(show_misses, len(wrong))
        lines.append(f"first {shown} of {len(wrong)} misclassified (crisis lines not shown):")
        for item in wrong[:show_misses]:
            lines.append(f"  [{item['gold']} -> {item['predicted']}] {item['text'][:60]}")
    if out is not None:
        write_result(out, result)
    return "\n".join(lines)
