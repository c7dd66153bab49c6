"""The console's canned replies as data (bot/data/canned_replies.yaml), checked by `tongxing check`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.yamlfile import DataFileError, Problem, read_schema

CANNED_FILE = Path(__file__).resolve().parent / "data" / "canned_replies.yaml"
MAX_TEXT = 1000


class _Canned(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    label: str = Field(min_length=1, max_length=20)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class _CannedFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    replies: tuple[_Canned, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CannedReply:
    id: str
    label: str
    text: str


def check_canned(path: Path = CANNED_FILE) -> tuple[tuple[CannedReply, ...], list[Problem]]:
    source, data, problems = read_schema(path, _CannedFile)
    if data is None or source is None:
        return (), problems
    seen: set[str] = set()
    for position, reply in enumerate(data.replies):
        if reply.id in seen:
            problems.append(
                Problem(source.display, source.line_of(("replies", position, "id")), f"'{reply.id}' twice")
            )
        seen.add(reply.id)
    if problems:
        return (), problems
    return tuple(CannedReply(reply.id, reply.label, reply.text) for reply in data.replies), []


def load_canned(path: Path = CANNED_FILE) -> tuple[CannedReply, ...]:
    replies, problems = check_canned(path)
    if problems:
        raise DataFileError(problems)
    return replies
