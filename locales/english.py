"""Set English translations from a mapping (used while writing them; the .po file is the catalog)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"

if __name__ == "__main__":
    mapping = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with PATH.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id in mapping:
            message.string = mapping[message.id]
    with PATH.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True, width=200)
