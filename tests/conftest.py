"""Shared fixtures: the shipped data loaded once, the NLU model trained once, and real databases
(SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot import database
from bot.app import App, build_app
from core.clock import FixedClock
from core.database import make_engine
from core.lexicon import Lexicon, load_lexicon
from core.settings import Settings
from core.taxonomy import Taxonomy, load_taxonomy
from core.tokenizer import Tokenizer
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from knowledge.validator import load_knowledge
from nlu.engine import model_dir, train_and_save

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge" / "data"
TODAY = datetime(2026, 11, 22, 9, 0)  # the fixed clock of the conversation tests (UTC)
POSTGRES_ADMIN_URL = os.environ.get(
    "TONGXING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="session")
def tokenizer(lexicon: Lexicon, tmp_path_factory: pytest.TempPathFactory) -> Tokenizer:
    return Tokenizer(lexicon, cache_dir=tmp_path_factory.mktemp("jieba"))


@pytest.fixture(scope="session")
def kb(taxonomy: Taxonomy, lexicon: Lexicon) -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR, taxonomy, lexicon)


@pytest.fixture(scope="session")
def index(kb: KnowledgeBase, tokenizer: Tokenizer) -> Index:
    return Index(kb, tokenizer)


@pytest.fixture(scope="session")
def model_data_dir(
    tokenizer: Tokenizer, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Path:
    """A data directory holding the NLU model for the current data. The suite trains it here,
    explicitly, once per session (about 20 s); the application itself never trains a model. Under
    pytest-xdist (`make test`) the workers share one: the first trains it, under a file lock, in the
    directory all workers' temporary directories live in."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp("model-data-dir")
        train_and_save(Settings(data_dir=folder), tokenizer)
        return folder
    shared = tmp_path_factory.getbasetemp().parent / "model-data-dir"
    with FileLock(str(shared) + ".lock"):
        if not (shared / ".trained").exists():
            shared.mkdir(exist_ok=True)
            train_and_save(Settings(data_dir=shared), tokenizer)
            (shared / ".trained").touch()
    return shared


@pytest.fixture(scope="session")
def install_model(model_data_dir: Path) -> Callable[[Path], Path]:
    """Put the session's trained model into another data directory (hard links: no copy), as
    `make install` would have; returns that directory."""

    def install(data_dir: Path) -> Path:
        source = model_dir(Settings(data_dir=model_data_dir))
        target = model_dir(Settings(data_dir=data_dir))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, copy_function=os.link, dirs_exist_ok=True)
        return data_dir

    return install


def migrate(url: str) -> str:
    """Bring the database at `url` to the latest migration, as `tongxing db upgrade` does."""
    engine = make_engine(url)
    try:
        database.upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def base_app(model_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The whole application, built once per session: data, index, flows, the NLU model."""
    url = migrate(f"sqlite:///{tmp_path_factory.mktemp('base-db') / 'tongxing.db'}")
    app = build_app(Settings(data_dir=model_data_dir, database_url=url), FixedClock(TODAY))
    yield app
    app.close()


@pytest.fixture
def make_app(base_app: App, tmp_path: Path) -> Iterator[Callable[..., App]]:
    """An App sharing the loaded models but with its own migrated database and clock (a 'process'
    of the service)."""
    created: list[App] = []

    def build(database_url: str | None = None, clock: FixedClock | None = None) -> App:
        url = migrate(database_url or f"sqlite:///{tmp_path / 'tongxing.db'}")
        settings = Settings(data_dir=base_app.settings.data_dir, database_url=url)
        app = build_app(settings, clock or FixedClock(TODAY), shared=base_app)
        created.append(app)
        return app

    yield build
    for app in created:
        app.close()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge base, for tests that break or extend it."""
    target = tmp_path / "knowledge" / "data"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test, dropped afterwards.

    Skipped only when no server answers and TONGXING_REQUIRE_POSTGRES is unset; CI sets it."""
    if not _postgres_available():
        if os.environ.get("TONGXING_REQUIRE_POSTGRES"):
            pytest.fail(
                "PostgreSQL is required (TONGXING_REQUIRE_POSTGRES) but does not answer on 127.0.0.1:5432"
            )
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    name = f"tongxing_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs against both the embedded default and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tongxing.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
