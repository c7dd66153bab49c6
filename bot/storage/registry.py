"""One applier per effect type: the registry that carries out the engine's effects.

An applier gets the effect and a small context (the session of the turn, the user key, the time,
the cipher, the user's translator) and may return replies that the service sends after the
engine's. Registering a type twice, applying an effect without applier, or building a registry that
misses a type of the `Effect` union fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, get_args
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.cipher import Cipher
from core.clock import DEFAULT_TIMEZONE
from core.i18n import Translator
from core.message import Reply
from dialogues.effect import Effect

E = TypeVar("E")


class ApplierError(Exception):
    """An effect type with no applier, or with two."""


@dataclass
class ApplyContext:
    session: Session
    user_key: str
    now: datetime
    cipher: Cipher
    translator: Translator
    forgotten: bool = False  # set by the /forget applier: the turn stores nothing more about the user
    family: str = ""  # the family's keyed hash in the reports' tables (bot/storage/turn_log.py)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))  # the family's day's zone


Applier = Callable[[E, ApplyContext], list[Reply]]


def effect_types() -> tuple[type[Any], ...]:
    """Every type of the `Effect` union."""
    return tuple(get_args(Effect))


class ApplierRegistry:
    def __init__(self) -> None:
        self._appliers: dict[type[Any], Callable[[Any, ApplyContext], list[Reply]]] = {}

    def register(self, effect_type: type[E], applier: Applier[E]) -> None:
        if effect_type in self._appliers:
            raise ApplierError(f"{effect_type.__name__} already has an applier")
        self._appliers[effect_type] = applier

    def missing(self, types: Iterable[type[Any]]) -> list[str]:
        return sorted(kind.__name__ for kind in types if kind not in self._appliers)

    def check_complete(self, types: Iterable[type[Any]] | None = None) -> None:
        missing = self.missing(effect_types() if types is None else types)
        if missing:
            raise ApplierError(f"effect types without applier: {', '.join(missing)}")

    def apply(self, effect: object, context: ApplyContext) -> list[Reply]:
        applier = self._appliers.get(type(effect))
        if applier is None:
            raise ApplierError(f"no applier for {type(effect).__name__}")
        return applier(effect, context)
