"""`make bench`: print every figure the issues ask for."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import (
    api,
    chatload,
    console,
    crisis,
    miniconvs,
    nlu,
    pending_answers,
    reminders,
    reports,
    retrieval,
    turn,
)
from bot.app import build_hotline, load_data, load_parser
from core.settings import Settings

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--only",
        choices=[
            "retrieval",
            "ask",
            "nlu",
            "turn",
            "crisis",
            "words",
            "api",
            "chatload",
            "reminders",
            "console",
            "reports",
        ],
        default=None,
    )
    parser.add_argument("--misses", type=int, default=15, help="how many misclassified lines to show")
    parser.add_argument("--verbose", action="store_true", help="list every answer in words not understood")
    parser.add_argument(
        "--full", action="store_true", help="full size: 1,000,000 reminders planned, 1,000,000 turns logged"
    )
    arguments = parser.parse_args()
    settings = Settings()
    if arguments.only in (None, "retrieval"):
        result = retrieval.evaluate(load_data(settings).index, retrieval.load_questions())
        print(retrieval.report(result, OUT / "retrieval.json", arguments.misses))
    if arguments.only in (None, "ask"):  # the hotline's path: classifier and retrieval fused
        data = load_data(settings)
        hotline = build_hotline(data, load_parser(settings, data.tokenizer))
        result = retrieval.evaluate_rank(retrieval.by_ask(hotline), retrieval.load_questions(), repeats=2)
        print(
            retrieval.report(
                result, OUT / "ask.json", arguments.misses, "tongxing ask", ("95%", "99%", "50 ms")
            )
        )
    if arguments.only in (None, "nlu"):
        print(nlu.report(nlu.evaluate_nlu(), OUT / "nlu.json", arguments.misses))
    if arguments.only in (None, "crisis"):  # crisis kinds and the safety follow-up, on blind lines
        print(crisis.report(*crisis.evaluate(), misses=arguments.misses))
    if arguments.only in (None, "words"):  # answers in words: blind mini-conversations, pending replies
        engine = miniconvs.build_engine()
        print(miniconvs.report(miniconvs.score(engine, miniconvs.load()), arguments.verbose))
        replies = pending_answers.load()
        print(pending_answers.report(pending_answers.score(engine, replies), arguments.verbose))
    if arguments.only in (None, "turn"):
        print(turn.report(turn.evaluate(settings.ensure_data_dir())))
    if arguments.only in (None, "api"):  # the hotline API over HTTP, one process and two
        print(api.report(api.evaluate(settings.ensure_data_dir().resolve())))
    if arguments.only in (None, "chatload"):  # web-chat turns over HTTP, SQLite and PostgreSQL
        print(chatload.report(chatload.evaluate(settings.ensure_data_dir().resolve())))
    if arguments.only in (None, "reminders"):  # durable delivery: store, claim-and-mark, rate limit, memory
        reminders.run(arguments.full)
    if arguments.only in (None, "console"):  # the worker console: 50 workers over 10,000 tickets
        print(console.report(console.evaluate(settings.ensure_data_dir().resolve())))
    if arguments.only in (None, "reports"):  # every report over many logged turns, on PostgreSQL
        reports.run(arguments.full)


if __name__ == "__main__":
    main()
