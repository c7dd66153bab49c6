"""The composition root builds everything once, eagerly: no migration and no training happen while
building or reading the App, and what is missing at start-up is a clear error naming the command."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import alembic.command
import pytest

import nlu.trainer
from bot import database
from bot.app import App, build_app
from bot.database import SchemaOutdatedError, current_revision, head_revision
from core.clock import FixedClock, SystemClock
from core.database import make_engine
from core.settings import Settings
from nlu.engine import ModelMissingError
from tests.conftest import TODAY, migrate


def _tables(path: Path) -> list[str]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def refuse_migration_and_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("building or reading the App migrated or trained")

    monkeypatch.setattr(database, "upgrade", refuse)
    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    monkeypatch.setattr(nlu.trainer, "train", refuse)


@pytest.fixture
def no_migration_or_training(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_migration_and_training(monkeypatch)


@pytest.mark.usefixtures("no_migration_or_training")
def test_a_fresh_database_is_a_clear_error_and_building_creates_no_table(
    base_app: App, tmp_path: Path
) -> None:
    path = tmp_path / "fresh.db"
    settings = Settings(data_dir=base_app.settings.data_dir, database_url=f"sqlite:///{path}")
    with pytest.raises(SchemaOutdatedError, match=r"run `tongxing db upgrade`"):
        build_app(settings, FixedClock(TODAY), shared=base_app)
    assert _tables(path) == []
    path.touch()  # an empty SQLite file: the same, read without writing
    with pytest.raises(SchemaOutdatedError, match="empty or missing"):
        build_app(settings, FixedClock(TODAY), shared=base_app)
    assert _tables(path) == []


def test_an_old_database_is_a_clear_error(base_app: App, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    database.upgrade(engine, "0001")
    settings = Settings(data_dir=base_app.settings.data_dir, database_url=f"sqlite:///{path}")
    with pytest.raises(SchemaOutdatedError, match=r"at revision 0001, not at the latest schema"):
        build_app(settings, FixedClock(TODAY), shared=base_app)
    assert current_revision(engine) == "0001"
    engine.dispose()


def test_the_app_is_built_once_and_reading_it_does_nothing(
    base_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = migrate(f"sqlite:///{tmp_path / 'tongxing.db'}")
    tables = _tables(tmp_path / "tongxing.db")
    refuse_migration_and_training(monkeypatch)  # from here on nothing may migrate or train
    clock = FixedClock(TODAY)
    app = build_app(Settings(data_dir=base_app.settings.data_dir, database_url=url), clock, shared=base_app)
    try:
        for field in dataclasses.fields(app):
            assert getattr(app, field.name) is getattr(app, field.name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            app.parser = base_app.parser  # type: ignore[misc]
        assert app.data is base_app.data and app.parser is base_app.parser  # the models are shared
        assert app.storage is not base_app.storage and app.clock is clock
        assert app.dialogue.services.parser is app.parser and app.dialogue.services.clock is clock
        assert _tables(tmp_path / "tongxing.db") == tables
        assert current_revision(app.storage.engine) == head_revision()
    finally:
        app.close()


def test_a_missing_model_is_a_clear_error_and_nothing_is_trained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("building the App trained a model")

    monkeypatch.setattr(nlu.trainer, "train", refuse)
    url = migrate(f"sqlite:///{tmp_path / 'tongxing.db'}")
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    with pytest.raises(ModelMissingError, match=r"run `tongxing nlu train` \(or `make install`\)"):
        build_app(settings)
    assert not (tmp_path / "data" / "nlu").exists()


def test_the_default_clock_is_the_system_clock_in_the_configured_zone(base_app: App, tmp_path: Path) -> None:
    url = migrate(f"sqlite:///{tmp_path / 'tongxing.db'}")
    settings = Settings(data_dir=base_app.settings.data_dir, database_url=url, timezone="Asia/Urumqi")
    app = build_app(settings, shared=base_app)
    try:
        assert isinstance(app.clock, SystemClock) and app.clock.zone == ZoneInfo("Asia/Urumqi")
    finally:
        app.close()
