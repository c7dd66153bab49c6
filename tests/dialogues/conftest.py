"""A real application context for conversation tests: the shipped data, the trained NLU model
(cached once per test session), SQLite databases per test, and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.context import AppContext
from core.clock import FixedClock
from core.settings import Settings

TODAY = datetime(2026, 11, 22, 9, 0)


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tongxing-data")


@pytest.fixture(scope="session")
def base_context(shared_data_dir: Path) -> AppContext:
    """Loaded once: lexicon, tokenizer, knowledge, index, flows and the NLU model."""
    context = AppContext(settings=Settings(data_dir=shared_data_dir), clock=FixedClock(TODAY))
    _ = context.engine_for_dialogue
    return context


@pytest.fixture
def make_context(base_context: AppContext, tmp_path: Path) -> Iterator[Callable[..., AppContext]]:
    """A context sharing the loaded models but with its own database (a 'process' of the service)."""
    created: list[AppContext] = []

    def build(database_url: str | None = None, clock: FixedClock | None = None) -> AppContext:
        settings = Settings(
            data_dir=base_context.settings.data_dir,
            database_url=database_url or f"sqlite:///{tmp_path / 'tongxing.db'}",
        )
        context = AppContext(settings=settings, clock=clock or FixedClock(TODAY))
        for name in ("taxonomy", "lexicon", "tokenizer", "knowledge", "index", "parser", "flows", "cipher"):
            context.__dict__[name] = getattr(base_context, name)
        created.append(context)
        return context

    yield build
    for context in created:
        if "engine" in context.__dict__:
            context.engine.dispose()
