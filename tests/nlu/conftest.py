"""NLU fixtures: the session's model (trained once, explicitly, in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from core.tokenizer import Tokenizer
from nlu.engine import EmbeddedParser, load_embedded


@pytest.fixture(scope="session")
def nlu_data_dir(model_data_dir: Path) -> Path:
    return model_data_dir


@pytest.fixture(scope="session")
def nlu_settings(nlu_data_dir: Path) -> Settings:
    return Settings(data_dir=nlu_data_dir, nlu_backend="embedded")


@pytest.fixture(scope="session")
def parser(nlu_settings: Settings, tokenizer: Tokenizer) -> EmbeddedParser:
    return load_embedded(nlu_settings, tokenizer)
