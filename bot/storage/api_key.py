"""The hotline API's keys: who may call /v1 (bot/server/api_keys.py). Only a key's hash is stored;
the key itself is printed once by `tongxing apikey create` and never kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base


class ApiKey(Base):
    """One caller of the hotline API (a hotline's call-centre software, say). Holds no parent's data."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    per_minute: Mapped[int] = mapped_column(Integer)  # the key's rate limit
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
