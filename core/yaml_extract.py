"""Babel extractor for the user-facing strings of YAML data files (the flows, the immunisation
schedule). babel.cfg says, per file pattern, which mapping keys hold text to translate:

    [extractors]
    yaml = core.yaml_extract:extract_yaml

    [yaml: reminders/data/immunization_schedule.yaml]
    keys = name text
    within = vaccines doses

`keys`: a scalar under one of these keys, anywhere in the file, is a message (stripped; empty ones
are skipped); a key whose value is a mapping or a list is walked into. `within` (optional): only
below these top-level keys. Messages are yielded with their line, as `gettext` calls.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml


def yaml_texts(
    node: yaml.Node, keys: Collection[str], within: Collection[str] | None = None, top: str | None = None
) -> Iterator[tuple[int, str]]:
    """(line, text) of each non-empty scalar under one of `keys` (below a top-level key in `within`,
    when given), in the file's order; `top` is the top-level key `node` stands under (None at the top)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            inside = within is None or top in within
            if isinstance(value, yaml.ScalarNode) and inside and key.value in keys and value.value.strip():
                yield value.start_mark.line + 1, value.value.strip()
            else:
                yield from yaml_texts(value, keys, within, key.value if top is None else top)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from yaml_texts(child, keys, within, top)


def _words(options: Mapping[str, Any] | None, name: str) -> set[str] | None:
    value = (options or {}).get(name)
    return set(str(value).split()) if value else None


def extract_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Mapping[str, Any] | None
) -> Iterator[tuple[int, str, str, list[str]]]:
    """The Babel extraction method (see the module's docstring for its options)."""
    keys = _words(options, "keys")
    if not keys:
        raise ValueError("the yaml extractor needs `keys = ...` in its babel.cfg section")
    node = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    if node is None:
        return
    for line, text in yaml_texts(node, keys, _words(options, "within")):
        yield line, "gettext", text, []
