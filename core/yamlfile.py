"""YAML files read with line numbers, so that validators can say file:line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Location = tuple[str | int, ...]
Schema = TypeVar("Schema", bound=BaseModel)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Problem:
    """One finding of a validator: where it is and what is wrong, in plain words."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class DataFileError(Exception):
    """A data file that cannot be used: every problem found in it, as file:line: message."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class YamlError(DataFileError):
    """A file that is not valid YAML (or has duplicate keys)."""


@dataclass(frozen=True)
class YamlFile:
    path: Path
    display: str
    data: Any
    lines: dict[Location, int]
    key_lines: dict[Location, int] = field(default_factory=dict)  # where a mapping key itself is

    def line_of(self, location: Location) -> int:
        """The line of the deepest node on `location` that exists (1-based)."""
        probe = tuple(location)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def _index(
    node: Node,
    where: Location,
    lines: dict[Location, int],
    problems: list[Problem],
    name: str,
    key_lines: dict[Location, int],
) -> None:
    lines[where] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node)
            if key in seen:
                problems.append(Problem(name, key_node.start_mark.line + 1, f"duplicate key '{key}'"))
            seen.add(key)
            lines[(*where, key)] = key_lines[(*where, key)] = key_node.start_mark.line + 1
            _index(value_node, (*where, key), lines, problems, name, key_lines)
    elif isinstance(node, SequenceNode):
        for position, child in enumerate(node.value):
            _index(child, (*where, position), lines, problems, name, key_lines)


# libyaml's parser when PyYAML was built with it (the wheels are): the pure-Python one made reading the
# data files a third of the server's start-up.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> tuple[Node | None, Any]:
    """One pass of the safe loader: the node tree (for lines and duplicate keys) and the data built
    from that same tree."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def load_text(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when it is there."""
    return parse(text)[1]


def read_yaml(path: Path, display: str | None = None) -> YamlFile:
    """Parse a YAML file; raise YamlError with file:line for broken YAML or duplicate keys."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlError([Problem(name, 1, f"not UTF-8 text ({error.reason})")]) from error
    try:
        node, data = parse(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError([Problem(name, line, f"broken YAML: {error.problem or error.context}")]) from error
    except yaml.YAMLError as error:
        raise YamlError([Problem(name, 1, f"broken YAML: {error}")]) from error
    lines: dict[Location, int] = {(): 1}
    key_lines: dict[Location, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _index(node, (), lines, problems, name, key_lines)
    if problems:
        raise YamlError(problems)
    return YamlFile(path=path, display=name, data=data, lines=lines, key_lines=key_lines)


def display_path(path: Path) -> str:
    """How a problem names a file: relative to the project for shipped files, else as given."""
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def describe_error(error: dict[str, Any]) -> str:
    """One pydantic error in plain words, without pydantic's prefixes."""
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"'{location}' is required but missing"
    if error["type"] == "extra_forbidden":
        return f"'{location}' is not a known field"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"'{location}': {message}" if location else message


def schema_problems(source: YamlFile, error: ValidationError, prefix: Location = ()) -> list[Problem]:
    """Each schema error at the line of the value it is about (`prefix`: where the model sits)."""
    problems: list[Problem] = []
    for entry in error.errors():
        location = (*prefix, *entry["loc"])
        line = source.line_of(location)
        if entry["type"] == "extra_forbidden":  # the unknown key itself, not the value under it
            line = source.key_lines.get(location, line)
        problems.append(Problem(source.display, line, describe_error({**entry, "loc": location})))
    return problems


def read_schema(path: Path, schema: type[Schema]) -> tuple[YamlFile | None, Schema | None, list[Problem]]:
    """Read a YAML file through its schema: the file and the model, or the problems found."""
    try:
        source = read_yaml(path, display_path(path))
    except YamlError as error:
        return None, None, error.problems
    except OSError as error:
        return None, None, [Problem(display_path(path), 1, f"cannot be read ({error.strerror})")]
    try:
        return source, schema.model_validate(source.data), []
    except ValidationError as error:
        return source, None, schema_problems(source, error)
