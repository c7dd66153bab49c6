"""Shared fixtures: the shipped data loaded once, and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from core.database import make_engine
from core.lexicon import Lexicon, load_lexicon
from core.taxonomy import Taxonomy, load_taxonomy
from core.tokenizer import Tokenizer
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from knowledge.validator import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge" / "data"
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
