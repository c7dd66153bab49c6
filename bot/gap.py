"""Questions the knowledge base could not answer, recorded for civil-affairs staff (`tongxing kb
gaps`) by every path that answers questions outside a conversation (`tongxing ask`, the hotline API)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from bot.app import Storage
from bot.storage.models import UnansweredQuestion
from core.database import transaction


def record_gap(storage: Storage, text: str, province: str | None, city: str | None, channel: str) -> None:
    try:
        with transaction(storage.sessions) as session:
            session.add(UnansweredQuestion(text=text[:2000], province=province, city=city, channel=channel))
    except SQLAlchemyError:
        pass  # a gap that cannot be recorded must not stop the answer
