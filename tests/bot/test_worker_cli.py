"""`tongxing worker create/list/disable/reset-password`: accounts for the console, the password read
from standard input (never an option), the scope resolved from place names."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.storage.models import Worker
from core.database import make_engine, make_sessions
from tests.bot.test_cli import migrated, run  # noqa: F401 (the fixture is used by name)

PASSWORD = "a long enough password"


def _stored(data_dir: Path, login: str) -> Worker:
    engine = make_engine(f"sqlite:///{data_dir / 'tongxing.db'}")
    try:
        with make_sessions(engine)() as session:
            return session.scalars(select(Worker).where(Worker.login == login)).one()
    finally:
        engine.dispose()


def test_create_stores_an_argon2_hash_and_the_districts_as_tickets_name_them(migrated: Path) -> None:  # noqa: F811
    created = run(
        "worker", "create", "wang", "--name", "王社工", "--district", "思明区", "--district", "huli",
        "--city", "厦门", data_dir=migrated, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    stored = _stored(migrated, "wang")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert (stored.role, stored.city, stored.districts) == ("worker", "xiamen", ["siming", "huli"])
    assert "wang" in run("worker", "list", data_dir=migrated).stdout


def test_create_refuses_a_worker_without_districts_a_short_password_and_an_unknown_place(
    migrated: Path,  # noqa: F811
) -> None:
    assert run("worker", "create", "a", "--name", "A", data_dir=migrated, stdin=PASSWORD).returncode == 1
    short = run(
        "worker", "create", "b", "--name", "B", "--district", "siming", data_dir=migrated, stdin="short"
    )
    assert short.returncode == 1 and "at least" in short.stderr
    unknown = run(
        "worker", "create", "c", "--name", "C", "--district", "火星区", data_dir=migrated, stdin=PASSWORD
    )
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    supervisor = run(
        "worker", "create", "d", "--name", "D", "--role", "supervisor", data_dir=migrated, stdin=PASSWORD
    )
    assert supervisor.returncode == 1 and "--city" in supervisor.stderr


def test_disable_and_reset_password_end_the_sessions(migrated: Path) -> None:  # noqa: F811
    run("worker", "create", "root", "--name", "管理员", "--role", "admin", data_dir=migrated, stdin=PASSWORD)
    epoch = _stored(migrated, "root").session_epoch
    assert (
        run("worker", "reset-password", "root", data_dir=migrated, stdin="another long password").returncode
        == 0
    )
    after = _stored(migrated, "root")
    assert after.session_epoch == epoch + 1 and after.failed_logins == 0
    assert run("worker", "disable", "root", data_dir=migrated).returncode == 0
    assert _stored(migrated, "root").disabled
    assert "root" not in run("worker", "list", data_dir=migrated).stdout
    assert run("worker", "disable", "nobody", data_dir=migrated).returncode == 1
