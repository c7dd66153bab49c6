"""A registry: a key (a command, an intent, a payload kind, an event type...) to its handler.

Each part of a turn registers its handlers where they are written; the engine looks them up
instead of walking an `elif` chain. Registering a key twice is a programming error."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
H = TypeVar("H")


class Registry(Generic[K, H]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: dict[K, H] = {}

    def register(self, *keys: K) -> Callable[[H], H]:
        def add(handler: H) -> H:
            for key in keys:
                if key in self._handlers:
                    raise ValueError(f"{self.name}: '{key}' is registered twice")
                self._handlers[key] = handler
            return handler

        return add

    def get(self, key: K) -> H | None:
        return self._handlers.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._handlers

    def __iter__(self) -> Iterator[K]:
        return iter(self._handlers)
