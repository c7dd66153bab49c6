"""Fill untranslated zh_Hant messages from the Simplified source with OpenCC (s2t), to be reviewed.

Run by `make i18n`; a reviewer then reads the diff of locales/zh_Hant/.
Also reports English messages that still lack a translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from core.i18n import to_traditional

LOCALES = Path(__file__).resolve().parent


def fill_traditional() -> int:
    path = LOCALES / "zh_Hant" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hant")
    convert = to_traditional().convert
    filled = 0
    for message in catalog:
        if message.id and message.pluralizable and not all(message.string):
            message.string = tuple(convert(str(message.id[0])) for _ in range(catalog.num_plurals))
            filled += 1
        elif message.id and not message.string:
            message.string = convert(str(message.id))
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True, width=200)
    return filled


def missing_english() -> list[str]:
    path = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    return [
        str(message.id)
        for message in catalog
        if message.id and not (all(message.string) if message.pluralizable else message.string)
    ]


if __name__ == "__main__":
    print(f"zh_Hant: filled {fill_traditional()} message(s) with OpenCC; review them")
    missing = missing_english()
    for message in missing:
        print(f"en: untranslated: {message}", file=sys.stderr)
    if missing:
        print(f"en: {len(missing)} message(s) still need an English translation", file=sys.stderr)
