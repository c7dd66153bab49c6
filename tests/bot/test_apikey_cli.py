"""`tongxing apikey create/list/revoke`: the key is printed once and never again."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import migrated, run  # noqa: F401 (the fixture is used by name)


def test_create_prints_the_key_once_list_never_shows_it_revoke_marks_it(migrated: Path) -> None:  # noqa: F811
    created = run("apikey", "create", "xiamen-12345", "--per-minute", "120", data_dir=migrated)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("tx_") and len(key) > 40
    listed = run("apikey", "list", data_dir=migrated)
    assert "xiamen-12345" in listed.stdout and "120/min" in listed.stdout and "active" in listed.stdout
    assert key not in listed.stdout
    assert run("apikey", "create", "xiamen-12345", data_dir=migrated).returncode == 1  # the name is taken
    assert run("apikey", "revoke", "xiamen-12345", data_dir=migrated).returncode == 0
    assert "revoked" in run("apikey", "list", data_dir=migrated).stdout
    again = run("apikey", "revoke", "xiamen-12345", data_dir=migrated)
    assert again.returncode == 1 and "Traceback" not in again.stderr
