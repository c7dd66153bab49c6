"""Stored states are migrated forward, one version at a time, by registered functions.

A state is stored as JSON with its `version` (dialogues.state.STATE_VERSION when it was written; a
state without one is version 0). Whoever changes the shape of State in a way that old JSON no longer
reads correctly raises STATE_VERSION and registers the function from the previous version's dict to
the new one. bot/ applies the chain when it loads a state; a state it cannot bring forward (newer than
the code, or no function for its version) is kept aside there, never silently replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dialogues.state import STATE_VERSION

StateDict = dict[str, Any]
Migration = Callable[[StateDict], StateDict]


class StateMigrationError(Exception):
    """A stored state cannot be brought to the current version."""


class StateTooNewError(StateMigrationError):
    """The state was written by a newer version of the code."""


class NoMigrationError(StateMigrationError):
    """No function is registered from the state's version to the next one."""


class StateMigrations:
    """Functions from version N to version N+1, up to `target`."""

    def __init__(self, target: int = STATE_VERSION) -> None:
        self.target = target
        self._steps: dict[int, Migration] = {}

    def register(self, from_version: int) -> Callable[[Migration], Migration]:
        """Decorator: `@migrations.register(0)` on a function from a version-0 dict to a version-1 dict."""

        def add(function: Migration) -> Migration:
            if from_version in self._steps:
                raise ValueError(f"a state migration from version {from_version} is already registered")
            if not 0 <= from_version < self.target:
                raise ValueError(f"a migration from version {from_version} cannot lead to {self.target}")
            self._steps[from_version] = function
            return function

        return add

    def migrate(self, data: StateDict) -> StateDict:
        """`data` brought to `target`, one registered step at a time (each step sets the version)."""
        version = data.get("version", 0)
        if not isinstance(version, int) or version < 0:
            raise StateMigrationError("the stored state has no valid version")
        if version > self.target:
            raise StateTooNewError(f"version {version} is newer than {self.target}")
        while version < self.target:
            step = self._steps.get(version)
            if step is None:
                raise NoMigrationError(f"no migration from version {version}")
            data = step(dict(data))
            version += 1
            data["version"] = version
        return data


def state_migrations() -> StateMigrations:
    """The migrations of the shipped State. Version 1 is the first stored format: none yet."""
    return StateMigrations(STATE_VERSION)
