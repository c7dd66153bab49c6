"""`tongxing nlu ...`: train, parse, evaluate, export to Rasa."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.app import load_parser, load_tokenizer
from core.clock import SystemClock
from core.lexicon import load_lexicon
from core.settings import Settings
from nlu.dataset import CRISIS_NEGATIVES_FILE, DATA_DIR, TEST_FILE, read_examples, read_lines
from nlu.engine import model_dir, model_is_current, train_and_save
from nlu.evaluation import evaluate, render
from nlu.rasa_export import export_rasa
from nlu.result import Parser

nlu_app = typer.Typer(
    no_args_is_help=True, help="Understanding messages: train, parse, evaluate, export to Rasa."
)


def _parser(settings: Settings) -> Parser:
    return load_parser(settings, load_tokenizer(settings, load_lexicon()))


def _today(settings: Settings, value: str | None) -> date:
    """--today, or the date now in TONGXING_TIMEZONE."""
    if value is None:
        return SystemClock(settings.zone).today()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter("--today must be YYYY-MM-DD") from error


@nlu_app.command("train")
def train_command(
    if_stale: Annotated[
        bool, typer.Option("--if-stale", help="only when no model matches the data and code (make install)")
    ] = False,
) -> None:
    """Train the embedded model from nlu/data/*.yml and write it to the data directory."""
    settings = Settings()
    if if_stale and model_is_current(settings):
        typer.echo(f"the NLU model is up to date: {model_dir(settings)}")
        return
    typer.echo("training the NLU model ...")
    tokenizer = load_tokenizer(settings, load_lexicon())
    model, target, seconds = train_and_save(settings, tokenizer)
    info = model.info
    typer.echo(
        f"trained on {info['examples']} examples: {info['intents']} intents, {info['topics']} topics "
        f"({info['labels']} labels), {info['features']} features, in {seconds:.1f} s"
    )
    typer.echo(
        f"{info['cv_folds']}-fold cross-validation on the training data: "
        f"intent {info['cv_intent_top1']:.1%}, "
        f"topic {info['cv_topic_top1']:.1%}, out-of-scope F1 {info['cv_out_of_scope_f1']:.3f}, crisis recall "
        f"{info['cv_crisis_recall']:.1%}, calibration error {info['cv_ece_calibrated']:.3f}; "
        f"recommended confidence threshold {model.recommended_threshold:.2f}"
    )
    typer.echo(f"model written to {target}")


def _jsonl(parser: Parser, today: date) -> None:
    """One JSON object per input line, in order; a malformed line gets {"error": ...} on its line."""
    for line in sys.stdin:
        stripped = line.strip()
        if not stripped:
            continue
        output: dict[str, Any]
        try:
            item = json.loads(stripped)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a string "text"')
            output = parser.parse(item["text"], today).brief()
        except (ValueError, TypeError, RecursionError) as error:
            output = {"error": f"{error.__class__.__name__}: {error}"[:300]}
        sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@nlu_app.command("parse")
def parse_command(
    text: Annotated[str | None, typer.Argument(help="the message")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the whole parse as JSON")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"text": ...} lines on stdin')] = False,
    today: Annotated[str | None, typer.Option(help="the date relative dates count from (YYYY-MM-DD)")] = None,
) -> None:
    """Understand one message, or every line of stdin with --jsonl."""
    settings = Settings()
    day = _today(settings, today)
    parser = _parser(settings)
    if jsonl:
        _jsonl(parser, day)
        return
    if text is None:
        raise typer.BadParameter("give a text, or --jsonl")
    result = parser.parse(text, day)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    topic = f"/{result.topic}" if result.topic else ""
    typer.echo(f"{result.intent}{topic} ({result.confidence:.2f}){'  CRISIS' if result.crisis else ''}")
    for entity in result.entities:
        role = f" [{entity.role}]" if entity.role else ""
        note = f" ({entity.note})" if entity.note else ""
        typer.echo(f"  {entity.name}: {entity.value}{role}  <- '{entity.text}'{note}")


@nlu_app.command("evaluate")
def evaluate_command(
    file: Annotated[Path, typer.Option("--file", help="Rasa YAML with labelled lines")] = TEST_FILE,
    negatives: Annotated[
        Path | None, typer.Option(help="non-crisis lines, one per line")
    ] = CRISIS_NEGATIVES_FILE,
    report_path: Annotated[Path | None, typer.Option("--report", help="write the JSON report here")] = None,
    misses: Annotated[int, typer.Option(help="how many misclassified lines to print")] = 40,
    today: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
) -> None:
    """Per-intent and per-topic precision/recall/F1, confusions, misclassified lines, crisis figures."""
    settings = Settings()
    parser = _parser(settings)
    examples = read_examples(file)
    negative_lines = read_lines(negatives) if negatives and negatives.exists() else []
    threshold = getattr(parser, "recommended_threshold", None)
    figures = evaluate(parser, examples, negative_lines, _today(settings, today), threshold)
    typer.echo(render(figures, misses))
    target = report_path or settings.ensure_data_dir() / "nlu" / "evaluation.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"report written to {target}")


@nlu_app.command("export-rasa")
def export_rasa_command(
    directory: Annotated[Path, typer.Argument(help="where to write the Rasa 3.6 project")],
) -> None:
    """Write a complete Rasa 3.6 project (config, domain, data) from our training data."""
    written = export_rasa(directory, DATA_DIR, load_lexicon())
    for path in written:
        typer.echo(f"wrote {path}")
