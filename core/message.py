"""Channel-independent message types: what comes in, what goes out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; `payload` comes back when it is pressed."""

    label: str
    payload: str


@dataclass(frozen=True)
class Inbound:
    """One turn from a user: text, or the payload of a pressed button."""

    user_id: str
    channel: str
    text: str = ""
    payload: str | None = None
    locale: str | None = None
    message_id: str | None = None  # the platform's id: a redelivered message is answered once


@dataclass(frozen=True)
class Reply:
    """One message to a user, optionally with buttons and a document (a checklist)."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    document: str | None = None
