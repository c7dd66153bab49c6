"""Reading a data file of dialogues/data/ through its schema, with problems as file:line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from core.yamlfile import Problem, YamlError, YamlFile, read_yaml

M = TypeVar("M", bound=BaseModel)


class DataFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def read_model(path: Path, model: type[M], display: str) -> tuple[M | None, YamlFile | None, list[Problem]]:
    """The file validated against `model`, its source (for semantic checks) and its problems."""
    try:
        source = read_yaml(path, display)
    except YamlError as error:
        return None, None, error.problems
    except OSError as error:
        return None, None, [Problem(display, 1, f"cannot read the file: {error.strerror}")]
    try:
        return model.model_validate(source.data), source, []
    except ValidationError as error:
        problems = []
        for entry in error.errors():
            location = tuple(entry["loc"])
            label = ".".join(str(part) for part in location)
            message = str(entry["msg"]).removeprefix("Value error, ")
            problems.append(
                Problem(display, source.line_of(location), f"'{label}': {message}" if label else message)
            )
        return None, source, problems
