"""Babel extractor for the schedule's user-facing text: vaccine names and catch-up notes (babel.cfg maps
reminders/data/immunization_schedule.yaml here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = {"name", "text"}


def _walk(node: yaml.Node, parents: tuple[str, ...] = ()) -> Iterator[tuple[int, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            inside = parents[:1] in {("vaccines",), ("doses",)}
            if (
                isinstance(value, yaml.ScalarNode)
                and key.value in TEXT_KEYS
                and inside
                and value.value.strip()
            ):
                yield value.start_mark.line + 1, value.value.strip()
            else:
                yield from _walk(value, (*parents, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _walk(child, parents)


def extract_schedule(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    node = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    if node is None:
        return
    for line, text in _walk(node):
        yield line, "gettext", text, []
