"""How a table declares that it holds a user's data (what /mydata calls its rows, what /forget does
to them). The mixin is here, in core, so that every package that owns a table (bot/storage,
reminders/) can declare it; bot/storage/user_data.py finds the declarations and carries them out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar


class OnForget(Enum):
    DELETE = "delete"
    # The row stays as an audit line, but its user key becomes a random marker (one per /forget):
    # nothing left in it points to the person, and the rows of one forgotten user still read together.
    ANONYMISE = "anonymise"


@dataclass(frozen=True)
class UserDataDeclaration:
    description: str  # zh_Hans, marked with N_(), with {n}: one line of /mydata, e.g. "聊天记录：{n}条"
    on_forget: OnForget
    user_key_column: str = "user_key"


class UserData:
    """Mixin for every table that holds a user's data; the table sets `__user_data__`."""

    __user_data__: ClassVar[UserDataDeclaration]
