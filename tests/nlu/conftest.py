"""NLU fixtures: the model is trained once per session into a scratch data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from core.tokenizer import Tokenizer
from nlu.engine import EmbeddedParser, load_embedded


@pytest.fixture(scope="session")
def nlu_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-data-dir")


@pytest.fixture(scope="session")
def nlu_settings(nlu_data_dir: Path) -> Settings:
    return Settings(data_dir=nlu_data_dir, nlu_backend="embedded")


@pytest.fixture(scope="session")
def parser(nlu_settings: Settings, tokenizer: Tokenizer) -> EmbeddedParser:
    return load_embedded(nlu_settings, tokenizer)
