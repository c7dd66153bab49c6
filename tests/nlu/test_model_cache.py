"""The model is trained explicitly, stored as arrays + JSON (no pickle) under a key that hashes the
data and the code version; loading never trains: a model missing for the current data is a clear
error that says what to run."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

import nlu.trainer
from bot.app import load_parser
from core.settings import Settings
from core.tokenizer import Tokenizer
from nlu.dataset import DATA_DIR
from nlu.engine import (
    EmbeddedParser,
    ModelMissingError,
    load_embedded,
    model_dir,
    model_is_current,
    model_key,
    train_and_save,
)
from nlu.model import META_FILE, MODEL_FILE


def test_the_model_is_plain_arrays_and_json(parser: EmbeddedParser, nlu_settings: Settings) -> None:
    folder = model_dir(nlu_settings)
    assert (folder / META_FILE).exists()
    with zipfile.ZipFile(folder / MODEL_FILE) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    assert not list(folder.glob("*.pkl"))


def test_a_second_load_does_not_retrain(
    parser: EmbeddedParser, nlu_settings: Settings, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("retrained although the cached model matches the data")

    monkeypatch.setattr(nlu.trainer, "train", refuse)
    again = load_embedded(nlu_settings, tokenizer)
    assert again.parse("你好").intent == "greet"


def test_changing_the_data_changes_the_key_and_loading_asks_for_training(
    tmp_path: Path, tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("test"))
    before = model_key(data)
    assert before == model_key(DATA_DIR)
    with (data / "nlu.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n- intent: greet\n  examples: |\n    - 早上好呀 同行小助手\n")
    after = model_key(data)
    assert after != before
    settings = Settings(data_dir=tmp_path / "state")
    assert not model_dir(settings, data).exists() and not model_is_current(settings, data)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("loading a model trained it")

    with monkeypatch.context() as patch:
        patch.setattr(nlu.trainer, "train", refuse)
        with pytest.raises(ModelMissingError, match=r"run `tongxing nlu train` \(or `make install`\)"):
            load_embedded(settings, tokenizer, data)
    _, target, _ = train_and_save(settings, tokenizer, data)
    assert target == model_dir(settings, data) and model_is_current(settings, data)
    assert load_embedded(settings, tokenizer, data).parse("早上好呀 同行小助手").intent == "greet"


def test_the_rasa_backend_needs_a_url(nlu_settings: Settings, tokenizer: Tokenizer) -> None:
    with pytest.raises(ValueError, match="TONGXING_RASA_URL"):
        load_parser(nlu_settings.model_copy(update={"nlu_backend": "rasa"}), tokenizer)
