"""`tongxing nlu ...`: train, parse, evaluate, export to Rasa (filled in by the NLU work)."""

from __future__ import annotations

import typer

nlu_app = typer.Typer(no_args_is_help=True, help="Understanding messages: train, parse, evaluate, export to Rasa.")
