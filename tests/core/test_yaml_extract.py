"""The one YAML extractor (core/yaml_extract.py), as babel.cfg sets it up for each data file: the
flows and the immunisation schedule yield exactly the messages of the catalog template, and the
extractor's rules (keys anywhere, `within` top-level keys, empty text skipped) hold."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from core.yaml_extract import extract_yaml

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    [*ROOT.glob("dialogues/flows/*.yaml"), ROOT / "reminders/data/immunization_schedule.yaml"]
)


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        return parse_mapping_cfg(handle, str(ROOT / "babel.cfg"))


def _template_ids() -> set[str]:
    with (ROOT / "locales/messages.pot").open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def _extracted(path: Path) -> list[str]:
    """What babel.cfg's method for this file yields (the first pattern that matches, as Babel does)."""
    method_map, options_map = _mapping()
    relative = path.relative_to(ROOT).as_posix()
    pattern, method = next(
        (pattern, method) for pattern, method in method_map if pathmatch(pattern, relative)
    )
    assert method == "core.yaml_extract:extract_yaml", f"{relative} is not read by the one YAML extractor"
    return [message for _, message, _, _ in extract_from_file(method, path, options=options_map[pattern])]


def _yaml(text: str, **options: str) -> list[tuple[int, str]]:
    return [
        (line, message)
        for line, _, message, _ in extract_yaml(io.BytesIO(text.encode()), None, None, options)
    ]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: path.name)
def test_each_data_file_yields_messages_all_in_the_catalog_template(path: Path) -> None:
    messages = _extracted(path)
    assert len(messages) > 10
    assert set(messages) <= _template_ids(), set(messages) - _template_ids()


def test_extracting_the_whole_project_gives_exactly_the_catalog_templates_messages() -> None:
    """What `make i18n` extracts (babel.cfg over the tree) has the msgids of locales/messages.pot: not
    one lost or added by moving the YAML extraction into core."""
    method_map, options_map = _mapping()
    found = {
        str(message)
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, directory_filter=lambda name: ".venv" not in name
        )
    }
    template = _template_ids()
    assert found == template, {"added": found - template, "lost": template - found}


def test_the_schedule_yields_vaccine_names_and_notes_but_not_its_other_keys() -> None:
    from reminders.schedule import load_schedule

    schedule = load_schedule()
    notes = {note.text for rule in schedule.rules for note in rule.notes}
    extracted = _extracted(ROOT / "reminders/data/immunization_schedule.yaml")
    assert set(extracted) == set(schedule.names.values()) | notes


def test_a_text_key_is_a_message_anywhere_with_its_line_and_a_key_holding_a_mapping_is_walked() -> None:
    text = (
        "title: 标题\nsteps:\n  - ask: 问题\n    label: '  '\n    other: 不要\n  - help:\n      text: 里面\n"
    )
    assert _yaml(text, keys="title ask help text label") == [(1, "标题"), (3, "问题"), (7, "里面")]


def test_within_keeps_only_what_stands_below_those_top_level_keys() -> None:
    text = "name: 顶层\nvaccines:\n  bcg: {name: 卡介苗}\nsources:\n  - name: 来源\ndoses:\n  - text: 说明\n"
    assert _yaml(text, keys="name text", within="vaccines doses") == [(3, "卡介苗"), (7, "说明")]
    assert [message for _, message in _yaml(text, keys="name text")] == ["顶层", "卡介苗", "来源", "说明"]


def test_an_empty_file_yields_nothing_and_a_section_without_keys_is_refused() -> None:
    assert _yaml("", keys="name") == []
    with pytest.raises(ValueError, match="keys"):
        _yaml("name: 名字\n")
