"""Every user-facing string in the code is in the catalogs, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _extracted(tmp_path: Path) -> set[str]:
    """What `make i18n` extracts, with the same mapping (babel.cfg)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map)
    }


def _first(message_id: str | tuple[str, ...]) -> str:
    """A message's id; a plural message by its singular (what extraction reports)."""
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.mark.parametrize("locale", ["zh_Hant", "en"])
def test_every_message_in_the_code_is_translated(locale: str, tmp_path: Path) -> None:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = {
            _first(message.id): message.string
            for message in read_po(handle, locale=locale)
            if message.id and (all(message.string) if message.pluralizable else message.string)
        }
    missing = sorted(message for message in _extracted(tmp_path) if not catalog.get(message))
    assert missing == [], f"untranslated in {locale} (run `make i18n`): {missing}"


@pytest.mark.parametrize("locale", ["zh_Hant", "en"])
def test_translations_keep_every_placeholder(locale: str) -> None:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        for message in read_po(handle, locale=locale):
            ids = message.id if message.pluralizable else (message.id,)
            strings = message.string if message.pluralizable else (message.string,)
            for source in ids[:1]:  # a plural's forms each keep the placeholders of the singular
                for string in strings:
                    if source and string:
                        assert sorted(PLACEHOLDER.findall(str(source))) == sorted(
                            PLACEHOLDER.findall(str(string))
                        ), message.id
