"""Conversation states that could not be read are kept aside here, as they were stored (encrypted),
with the reason and the time, instead of being overwritten: an operator can look at them
(`tongxing db quarantine`), and a key restored later can still read them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import StateQuarantine

LOG = logging.getLogger("tongxing.storage")


def keep_aside(session: Session, user_key: str, stored: bytes, reason: str, now: datetime) -> StateQuarantine:
    """Copy an unreadable state into quarantine; logs a warning that names no person."""
    row = StateQuarantine(user_key=user_key, state=stored, reason=reason[:200], created_at=now)
    session.add(row)
    session.flush()
    LOG.warning("conversation state kept aside in quarantine #%d: %s", row.id, reason)
    return row


def quarantined(session: Session, limit: int | None = None) -> Sequence[StateQuarantine]:
    """The states kept aside, newest first."""
    query = select(StateQuarantine).order_by(StateQuarantine.created_at.desc(), StateQuarantine.id.desc())
    return session.scalars(query.limit(limit) if limit else query).all()
