"""API keys of the hotline API and their rate limits.

A key is 32 random bytes (URL-safe text, prefixed `tx_`), printed once by `tongxing apikey create`.
Only its SHA-256 is stored: a key has 256 bits of entropy, so a fast hash is as safe as a slow one
(no dictionary to guess from) and checking a key costs microseconds. Keys are looked up in the
database and remembered for `CACHE_SECONDS`, so a revoked key stops working within that time in
every process.

Rate limits are per key and per process (a token bucket in memory): with N server processes a key
may get up to N times its limit. That is enough to stop a runaway client; a shared limit would need a
shared store (PostgreSQL or Redis) on every request."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.api_key import ApiKey
from core.clock import Clock
from core.database import transaction

KEY_PREFIX = "tx_"
DEFAULT_PER_MINUTE = 600
CACHE_SECONDS = 10.0


class KeyNameTakenError(Exception):
    """`apikey create NAME` with a NAME already in use."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A valid key's owner, as the API sees it."""

    id: int
    name: str
    per_minute: int


@dataclass(frozen=True)
class KeyInfo:
    """What `apikey list` shows of a key: never the key, only its first characters."""

    name: str
    prefix: str
    per_minute: int
    created_at: datetime
    revoked_at: datetime | None


class KeyStore:
    """Creates, lists, revokes and checks keys in the database."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.cache_seconds = cache_seconds
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, Caller | None]] = {}
        self._lock = threading.Lock()

    def create(self, name: str, per_minute: int = DEFAULT_PER_MINUTE) -> str:
        """A new key for `name`; the key is returned once and only its hash is stored."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction(self.sessions) as session:
                session.add(
                    ApiKey(
                        name=name,
                        key_hash=hash_key(key),
                        prefix=key[:10],
                        per_minute=per_minute,
                        created_at=self.clock.now(),
                        revoked_at=None,
                    )
                )
        except IntegrityError as error:
            raise KeyNameTakenError(name) from error
        return key

    def list(self) -> list[KeyInfo]:
        with self.sessions() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
            return [KeyInfo(r.name, r.prefix, r.per_minute, r.created_at, r.revoked_at) for r in rows]

    def revoke(self, name: str) -> bool:
        """True when a key of that name was active and is now revoked."""
        with transaction(self.sessions) as session:
            row = session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = self.clock.now()
        with self._lock:
            self._cache.clear()
        return True

    def remembered(self, key: str) -> tuple[bool, Caller | None]:
        """(True, the key's owner or None) when the key was looked up less than `cache_seconds` ago;
        (False, None) when only the database can tell (`check`). Touches no database, so the API's
        event loop can call it and go to a thread only on a miss."""
        digest = hash_key(key)
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and self.monotonic() - cached[0] < self.cache_seconds:
            return True, cached[1]
        return False, None

    def check(self, key: str) -> Caller | None:
        """The key's owner, or None for an unknown or revoked key (remembered briefly either way)."""
        known, caller = self.remembered(key)
        if known:
            return caller
        digest = hash_key(key)
        now = self.monotonic()
        with self.sessions() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
            caller = None
            if row is not None and row.revoked_at is None:
                caller = Caller(row.id, row.name, row.per_minute)
        with self._lock:
            if len(self._cache) > 10_000:  # guessed keys must not fill the memory
                self._cache.clear()
            self._cache[digest] = (now, caller)
        return caller


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute, in bursts of up to a tenth of that
    (at least 10). In memory, per process."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, caller: Caller) -> float:
        """0 when the request may go ahead, else the seconds to wait before the next one."""
        rate = caller.per_minute / 60.0
        burst = max(10.0, caller.per_minute / 10.0)
        now = self.monotonic()
        with self._lock:
            tokens, when = self._buckets.get(caller.id, (burst, now))
            tokens = min(burst, tokens + (now - when) * rate)
            if tokens >= 1.0:
                self._buckets[caller.id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[caller.id] = (tokens, now)
            return max(1.0, math.ceil((1.0 - tokens) / rate)) if rate > 0 else 60.0
