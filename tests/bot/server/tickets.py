"""A bare handoff ticket for the console's tests: open, in 厦门思明区, for a new Telegram family."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import HandoffTicket
from core.database import transaction


def open_ticket(
    sessions: sessionmaker[Session], now: datetime, *, urgency: str = "normal", user_key: str | None = None
) -> int:
    """A new open ticket (its summary a placeholder); returns its id."""
    with transaction(sessions) as session:
        ticket = HandoffTicket(
            user_key=user_key or f"telegram:{uuid.uuid4().hex[:8]}",
            reason="requested",
            urgency=urgency,
            status="open",
            city="xiamen",
            district="siming",
            summary=b"x",
            created_at=now,
        )
        session.add(ticket)
        session.flush()
        return ticket.id
