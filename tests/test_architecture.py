"""The dependency arrows of DESIGN.md, checked by import-linter (contracts in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_nothing_is_created_at_import_time() -> None:
    """Importing every package opens no database and loads no model (settings are passed in)."""
    code = (
        "import sys, core.settings, core.database, bot.cli, knowledge.index, dialogues, nlu, reminders;"
        "assert 'jieba' not in sys.modules or not __import__('jieba').dt.initialized"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
