"""Babel extractor for the flows' user-facing text (babel.cfg maps dialogues/flows/*.yaml here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = {"title", "description", "intro", "ask", "help", "invalid", "label", "text", "why", "first_step"}


def _walk(node: yaml.Node) -> Iterator[tuple[int, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode) and key.value in TEXT_KEYS and value.value.strip():
                yield value.start_mark.line + 1, value.value.strip()
            else:
                yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _walk(child)


def extract_flow(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    node = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    if node is None:
        return
    for line, text in _walk(node):
        yield line, "gettext", text, []
