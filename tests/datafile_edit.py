"""Helpers for tests that break a copy of a data file: find a line, replace text once."""

from __future__ import annotations

import shutil
from pathlib import Path


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line holding `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_to(source: Path, folder: Path) -> Path:
    """A writable copy of a file or folder under `folder`."""
    target = folder / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
    return target
