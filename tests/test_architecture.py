"""The dependency arrows of DESIGN.md, checked by import-linter (contracts in pyproject.toml), and
nothing created at import time."""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _importlinter() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(config["tool"]["importlinter"])


def test_import_contracts_are_kept() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_the_contracts_cover_every_package_and_the_io_libraries() -> None:
    """A new package or a new I/O library must be added to the contracts, not slip past them."""
    importlinter = _importlinter()
    packages = set(importlinter["root_packages"])  # type: ignore[call-overload]
    on_disk = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == on_disk
    contracts = {contract["type"]: contract for contract in importlinter["contracts"]}  # type: ignore[attr-defined]
    assert set(contracts["acyclic_siblings"]["ancestors"]) == packages
    pure = next(
        contract
        for contract in importlinter["contracts"]  # type: ignore[attr-defined]
        if contract["type"] == "forbidden"
        and set(contract["source_modules"]) == {"dialogues", "nlu", "knowledge"}
    )
    assert {
        "sqlalchemy", "alembic", "psycopg", "httpx", "requests", "urllib3", "aiohttp", "urllib",
        "telegram", "fastapi", "starlette", "uvicorn", "wechatpy", "apscheduler",
    } <= set(pure["forbidden_modules"])  # fmt: skip


# Run in a fresh interpreter: spies are installed first, then every module of every package is
# imported; what happened is printed as JSON.
_IMPORT_EVERYTHING = """
import importlib, json, pkgutil, socket, sqlite3, sys
import pydantic_settings, sqlalchemy

events = []
def spy(what, original):
    def called(*args, **kwargs):
        events.append(what)
        return original(*args, **kwargs)
    return called

original_init = pydantic_settings.BaseSettings.__init__
def settings_read(self, *args, **kwargs):
    events.append("settings read: " + type(self).__name__)
    original_init(self, *args, **kwargs)
pydantic_settings.BaseSettings.__init__ = settings_read
sqlalchemy.create_engine = spy("database engine created", sqlalchemy.create_engine)
sqlite3.connect = spy("sqlite opened", sqlite3.connect)
def no_network(*args, **kwargs):
    events.append("network")
    raise OSError("no network at import time")
socket.socket.connect = no_network
socket.create_connection = no_network

modules = []
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    modules.append(name)
    for info in pkgutil.walk_packages(package.__path__, prefix=name + "."):
        importlib.import_module(info.name)
        modules.append(info.name)
jieba = sys.modules.get("jieba")
if jieba is not None and jieba.dt.initialized:
    events.append("jieba dictionary loaded")
if "sklearn" in sys.modules:
    events.append("scikit-learn imported (training)")
print(json.dumps({"modules": modules, "events": events}))
"""


def _modules_on_disk(packages: list[str]) -> set[str]:
    """Every module of the packages, from the files (folders without __init__.py are data)."""
    found = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            folders = [ROOT.joinpath(*parts[:depth]) for depth in range(1, len(parts))]
            if all((folder / "__init__.py").exists() for folder in folders):
                found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_nothing_is_created_at_import_time(tmp_path: Path) -> None:
    """Importing every module of every package reads no settings, opens no database, creates no data
    directory or file, trains no model, loads no dictionary and touches no network."""
    packages = sorted(_importlinter()["root_packages"])  # type: ignore[call-overload]
    data_dir = tmp_path / "data"
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING, *packages],
        cwd=workdir,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TONGXING_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["modules"]) == _modules_on_disk(packages)
    assert report["events"] == []
    assert not data_dir.exists()
    assert list(workdir.iterdir()) == []
