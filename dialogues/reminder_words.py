"""Vaccination reminders as data (dialogues/data/vaccine_reminders.yaml): when reminders are sent (days
before, the hour, how long 晚点提醒 waits) and the parent's own words for the answers: to "which doses
has the child had" (都按时打了, 只打了出生那两针), to a reminder that fell due (打了, 晚点, 别提醒了)
and for managing reminders (有哪些提醒, 疫苗提醒先停一下). The words are read the way a flow step's
words are (dialogues/answer_words.py: a negation next to a word cancels it, the longest word decides)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.yamlfile import DataFileError, Problem, read_schema
from dialogues.answer_words import by_words
from dialogues.flow import Choice, Step, StepType, Words
from dialogues.navigation import LocaleWords

REMINDER_WORDS_FILE = Path(__file__).resolve().parent / "data" / "vaccine_reminders.yaml"
KINDS = ("vaccine", "renewal", "school", "visit")  # the kinds of reminders/store.py
DosesAnswer = Literal["all_on_time", "birth_only", "none", "unknown"]
ReminderAnswer = Literal["done", "later", "stop"]
ManageAction = Literal["list", "pause", "resume", "stop"]
_DOSE_KEY = r"^[a-z][a-z0-9_]*:[1-9][0-9]?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Doses(_Strict):
    all_on_time: LocaleWords
    birth_only: LocaleWords
    none: LocaleWords
    unknown: LocaleWords


class _Answers(_Strict):
    done: LocaleWords
    later: LocaleWords
    stop: LocaleWords


class _Manage(_Strict):
    list: LocaleWords
    pause: LocaleWords
    resume: LocaleWords
    stop: LocaleWords


class _Kinds(_Strict):
    vaccine: LocaleWords
    renewal: LocaleWords
    school: LocaleWords
    visit: LocaleWords


class _ReminderFile(_Strict):
    lead_days: tuple[int, ...] = Field(min_length=1)
    send_time: str
    later_days: int = Field(ge=1, le=30)
    shown_doses: int = Field(ge=1, le=10)
    birth_doses: tuple[str, ...] = Field(min_length=1)
    doses: _Doses
    answers: _Answers
    manage: _Manage
    kinds: _Kinds
    vaccine_names: dict[str, tuple[str, ...]] = {}
    inactivated_words: tuple[str, ...] = ()

    @field_validator("lead_days")
    @classmethod
    def _leads(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= days <= 30 for days in value) or len(set(value)) != len(value):
            raise ValueError("lead days are different numbers from 1 to 30")
        return value

    @field_validator("send_time")
    @classmethod
    def _time(cls, value: str) -> str:
        time.fromisoformat(value)
        return value

    @field_validator("birth_doses")
    @classmethod
    def _keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if not re.match(_DOSE_KEY, key):
                raise ValueError(f"'{key}' is not a dose like hepb:1")
        return value


def _step(step_id: str, groups: BaseModel) -> Step:
    """A choice step whose choices are the groups of words: read by answer_words.by_words."""
    choices = tuple(
        Choice(
            value=name,
            label=name,
            words=Words(zh_Hans=words.zh_Hans, zh_Hant=words.zh_Hant, en=words.en),
        )
        for name, words in groups
    )
    return Step(id=step_id, type=StepType.choice, ask="--", choices=choices)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


@dataclass(frozen=True)
class ReminderWords:
    lead_days: tuple[int, ...]
    send_time: time
    later_days: int
    shown_doses: int
    birth_doses: tuple[str, ...]
    doses: Step
    answers: Step
    manage: Step
    kinds: dict[str, tuple[str, ...]]  # kind -> folded words
    vaccine_names: dict[str, tuple[str, ...]]  # vaccine id -> names beyond the lexicon's
    inactivated_words: tuple[str, ...]

    def doses_answer(self, text: str, normalized: str) -> DosesAnswer | None:
        """都按时打了 -> all_on_time, 只打了出生那两针 -> birth_only, 一针都没打 -> none,
        不记得 -> unknown."""
        return by_words(self.doses, text, normalized)  # type: ignore[return-value]

    def reminder_answer(self, text: str, normalized: str) -> ReminderAnswer | None:
        """The answer to a reminder that fell due: done (已接种), later (晚点提醒), stop (停止)."""
        return by_words(self.answers, text, normalized)  # type: ignore[return-value]

    def manage_action(self, text: str, normalized: str) -> ManageAction | None:
        return by_words(self.manage, text, normalized)  # type: ignore[return-value]

    def kinds_named(self, text: str, normalized: str) -> tuple[str, ...]:
        """The kinds of reminder a message names ("疫苗提醒" -> vaccine), in KINDS order."""
        folded = {_fold(text), _fold(normalized)}
        return tuple(
            kind for kind in KINDS if any(word in each for word in self.kinds[kind] for each in folded)
        )


def check_reminder_words(path: Path = REMINDER_WORDS_FILE) -> tuple[ReminderWords | None, list[Problem]]:
    source, data, problems = read_schema(path, _ReminderFile)
    if data is None or source is None:
        return None, problems
    words = ReminderWords(
        lead_days=tuple(sorted(data.lead_days, reverse=True)),
        send_time=time.fromisoformat(data.send_time),
        later_days=data.later_days,
        shown_doses=data.shown_doses,
        birth_doses=data.birth_doses,
        doses=_step("doses", data.doses),
        answers=_step("answers", data.answers),
        manage=_step("manage", data.manage),
        kinds={
            kind: tuple(_fold(word) for word in (*group.zh_Hans, *group.zh_Hant, *group.en))
            for kind, group in data.kinds
        },
        vaccine_names={vaccine: tuple(names) for vaccine, names in data.vaccine_names.items()},
        inactivated_words=tuple(_fold(word) for word in data.inactivated_words),
    )
    return words, problems


@cache
def reminder_words(path: Path = REMINDER_WORDS_FILE) -> ReminderWords:
    words, problems = check_reminder_words(path)
    if words is None:
        raise DataFileError(problems)
    return words
