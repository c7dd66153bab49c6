"""Stored states are brought forward one version at a time by registered functions."""

from __future__ import annotations

from typing import Any

import pytest

from dialogues.state import STATE_VERSION, State
from dialogues.state_migration import (
    NoMigrationError,
    StateMigrationError,
    StateMigrations,
    StateTooNewError,
    state_migrations,
)


def _chain() -> StateMigrations:
    migrations = StateMigrations(target=2)

    @migrations.register(0)
    def rename_kids(data: dict[str, Any]) -> dict[str, Any]:
        data["children"] = data.pop("kids", [])
        return data

    @migrations.register(1)
    def count_children(data: dict[str, Any]) -> dict[str, Any]:
        data["child_count"] = len(data["children"])
        return data

    return migrations


def test_a_state_is_migrated_step_by_step_and_each_step_sets_the_version() -> None:
    migrated = _chain().migrate({"kids": [{"id": "c1"}]})  # no version: version 0
    assert migrated == {"children": [{"id": "c1"}], "child_count": 1, "version": 2}
    from_1 = _chain().migrate({"version": 1, "children": []})
    assert from_1 == {"children": [], "child_count": 0, "version": 2}
    assert _chain().migrate({"version": 2, "children": []}) == {"version": 2, "children": []}


def test_the_input_dict_is_not_changed_in_place() -> None:
    stored: dict[str, Any] = {"kids": [{"id": "c1"}]}
    _chain().migrate(stored)
    assert stored == {"kids": [{"id": "c1"}]}


def test_newer_missing_and_invalid_versions_fail() -> None:
    with pytest.raises(StateTooNewError):
        _chain().migrate({"version": 3})
    with pytest.raises(NoMigrationError, match="from version 0"):
        StateMigrations(target=1).migrate({})
    with pytest.raises(StateMigrationError):
        _chain().migrate({"version": "1"})


def test_registering_twice_or_past_the_target_fails() -> None:
    migrations = _chain()
    with pytest.raises(ValueError, match="already registered"):
        migrations.register(0)(lambda data: data)
    with pytest.raises(ValueError, match="cannot lead"):
        migrations.register(2)(lambda data: data)


def test_the_shipped_migrations_read_a_current_state_unchanged() -> None:
    current = State(turns=3).model_dump(mode="json")
    assert current["version"] == STATE_VERSION
    assert state_migrations().migrate(dict(current)) == current
