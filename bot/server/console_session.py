"""The console's session and CSRF tokens, and the login rate limit.

The session is a signed cookie (HMAC with a key derived from the App's cipher key): the worker's id,
their session epoch (raised on logout, disable and password reset, which ends every session of
theirs), when it was issued and when last used, and a random nonce. It ends after
TONGXING_CONSOLE_SESSION_HOURS, or TONGXING_CONSOLE_IDLE_MINUTES without a request; each request
re-issues it with a fresh "last used". The cookie is HttpOnly, SameSite=Strict, Secure over https.

CSRF: every form carries a synchronizer token, an HMAC of the session's nonce (before login, of a
nonce in a short-lived pre-login cookie). A POST without the right token is refused (403)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass

SESSION_COOKIE = "tongxing_console"
LOGIN_COOKIE = "tongxing_console_login"
LOGIN_COOKIE_AGE = 3600
MAX_COOKIE = 600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_nonce() -> str:
    return _b64(secrets.token_bytes(18))


@dataclass(frozen=True)
class ConsoleSession:
    worker_id: int
    epoch: int
    issued: float
    seen: float
    nonce: str


class SessionCodec:
    def __init__(self, key: bytes, max_age_seconds: float, idle_seconds: float) -> None:
        self._key = key
        self.max_age = max_age_seconds
        self.idle = idle_seconds

    def _sign(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())

    def encode(self, session: ConsoleSession) -> str:
        payload = _b64(
            json.dumps(
                {
                    "w": session.worker_id,
                    "e": session.epoch,
                    "i": session.issued,
                    "s": session.seen,
                    "n": session.nonce,
                },
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{self._sign('session', payload)}"

    def decode(self, cookie: str | None, now: float) -> ConsoleSession | None:
        """The session in the cookie, or None: forged, damaged, expired or idle too long."""
        if not cookie or len(cookie) > MAX_COOKIE:
            return None
        payload, _, signature = cookie.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign("session", payload).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = ConsoleSession(
                int(data["w"]), int(data["e"]), float(data["i"]), float(data["s"]), str(data["n"])
            )
        except (ValueError, KeyError, TypeError):
            return None
        if now - session.issued > self.max_age or now - session.seen > self.idle or session.seen > now + 60:
            return None
        return session

    def csrf_token(self, nonce: str) -> str:
        return self._sign("csrf", nonce)

    def csrf_matches(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(nonce).encode())

    def login_cookie(self, nonce: str) -> str:
        return f"{nonce}.{self._sign('login', nonce)}"

    def login_nonce(self, cookie: str | None) -> str | None:
        if not cookie or len(cookie) > MAX_COOKIE:
            return None
        nonce, _, signature = cookie.partition(".")
        if not nonce or not hmac.compare_digest(signature.encode(), self._sign("login", nonce).encode()):
            return None
        return nonce


class LoginLimiter:
    """At most `attempts` login attempts per client address within `window` seconds (per process;
    the per-account lock-out in the database holds across processes). Generous on purpose: a whole
    office signs in from one address behind its router; guessing one account's password is stopped
    by that account's lock-out, this stops one address trying many accounts."""

    def __init__(self, attempts: int = 100, window: float = 300.0, max_clients: int = 10_000) -> None:
        self.attempts = attempts
        self.window = window
        self.max_clients = max_clients
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        if len(self._seen) > self.max_clients:
            self._seen.clear()
        times = self._seen.setdefault(client, deque())
        while times and moment - times[0] > self.window:
            times.popleft()
        if len(times) >= self.attempts:
            return False
        times.append(moment)
        return True
