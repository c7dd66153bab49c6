"""Schema migrations (Alembic) run from code: `tongxing db upgrade` and `make run`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` on this engine's connection."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


class SchemaOutdatedError(Exception):
    """The database is missing or not at the latest migration: a start-up error with what to run."""

    def __init__(self, where: str, current: str | None, head: str | None) -> None:
        found = f"at revision {current}" if current else "empty or missing"
        super().__init__(
            f"the database {where} is {found}, not at the latest schema ({head}): "
            "run `tongxing db upgrade` (or `make run`)"
        )
        self.current = current
        self.head = head


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database. Reads only: creates nothing."""
    database = engine.url.database
    in_memory = database in (None, "", ":memory:")
    if engine.url.get_backend_name() == "sqlite" and not in_memory and not Path(str(database)).exists():
        return None  # connecting would create the file
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_head(engine: Engine) -> None:
    """Raise SchemaOutdatedError unless the database is at the latest migration. Never migrates."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutdatedError(engine.url.render_as_string(hide_password=True), current, head)
