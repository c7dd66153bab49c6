"""YAML files read with line numbers, so that validators can say file:line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding of a validator: where it is and what is wrong, in plain words."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class YamlError(Exception):
    """A file that is not valid YAML (or has duplicate keys)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class YamlFile:
    path: Path
    display: str
    data: Any
    lines: dict[Location, int]

    def line_of(self, location: Location) -> int:
        """The line of the deepest node on `location` that exists (1-based)."""
        probe = tuple(location)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def _index(
    node: Node, where: Location, lines: dict[Location, int], problems: list[Problem], name: str
) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node)
            if key in seen:
                problems.append(Problem(name, key_node.start_mark.line + 1, f"duplicate key '{key}'"))
            seen.add(key)
            lines[(*where, key)] = key_node.start_mark.line + 1
            _index(value_node, (*where, key), lines, problems, name)
    elif isinstance(node, SequenceNode):
        for position, child in enumerate(node.value):
            _index(child, (*where, position), lines, problems, name)


def read_yaml(path: Path, display: str | None = None) -> YamlFile:
    """Parse a YAML file; raise YamlError with file:line for broken YAML or duplicate keys."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlError([Problem(name, 1, f"not UTF-8 text ({error.reason})")]) from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError([Problem(name, line, f"broken YAML: {error.problem or error.context}")]) from error
    except yaml.YAMLError as error:
        raise YamlError([Problem(name, 1, f"broken YAML: {error}")]) from error
    lines: dict[Location, int] = {(): 1}
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), lines, problems, name)
    if problems:
        raise YamlError(problems)
    return YamlFile(path=path, display=name, data=data, lines=lines)
