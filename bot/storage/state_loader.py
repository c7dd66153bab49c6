"""Loading a stored conversation state: decrypt, parse, migrate forward, validate.

A state that fails any of these (a changed key, a corrupted row, a state written by newer code, a
version without migration) is never silently replaced: it is kept aside in quarantine with the
reason, a warning is logged, and the conversation goes on with a fresh state; the caller tells the
parent once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.cipher import Cipher, CipherError
from bot.storage.quarantine import keep_aside
from dialogues.state import State
from dialogues.state_migration import StateMigrationError, StateMigrations, StateTooNewError


class UnreadableStateError(Exception):
    """Why a stored state cannot be read; the message never holds the state's content."""


@dataclass(frozen=True)
class LoadedState:
    state: State
    kept_aside: bool = False  # the stored state was unreadable and is now in quarantine


class StoredConversation(Protocol):
    """The columns of a conversation row the loader reads (an ORM object or a Core row)."""

    @property
    def user_key(self) -> str: ...

    @property
    def state(self) -> bytes | None: ...


class StateLoader:
    def __init__(self, cipher: Cipher, migrations: StateMigrations) -> None:
        self.cipher = cipher
        self.migrations = migrations

    def read(self, stored: bytes) -> State:
        try:
            text = self.cipher.decrypt(stored)
        except CipherError as error:
            raise UnreadableStateError("cannot decrypt (a changed key or a damaged row)") from error
        try:
            data = json.loads(text)
        except ValueError as error:
            raise UnreadableStateError("not JSON") from error
        if not isinstance(data, dict):
            raise UnreadableStateError("not a JSON object")
        try:
            data = self.migrations.migrate(data)
        except StateTooNewError as error:
            raise UnreadableStateError(f"written by newer code: {error}") from error
        except StateMigrationError as error:
            raise UnreadableStateError(f"cannot migrate: {error}") from error
        except Exception as error:  # a failing migration function: keep the state aside, not the turn
            raise UnreadableStateError(f"migration failed: {error.__class__.__name__}") from error
        try:
            return State.model_validate(data)
        except ValidationError as error:  # its message would quote the content: only count the errors
            raise UnreadableStateError(f"does not match State: {error.error_count()} error(s)") from error

    def load(self, session: Session, row: StoredConversation, now: datetime) -> LoadedState:
        if not row.state:
            return LoadedState(State())
        try:
            return LoadedState(self.read(row.state))
        except UnreadableStateError as problem:
            keep_aside(session, row.user_key, row.state, str(problem), now)
            return LoadedState(State(), kept_aside=True)
