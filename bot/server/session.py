"""The web chat's session: a random opaque id in a cookie, signed with a key derived from the App's
cipher key. The conversation's user id is derived from the session id (another HMAC), so the stored
conversation key never reveals a cookie that would open it. A cookie that does not verify (forged,
signed with another key, damaged) is no session: the page gets a new one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

COOKIE_NAME = "tongxing_chat"
COOKIE_MAX_AGE = 180 * 24 * 3600  # as long as the messages are kept by default
_ID_BYTES = 24


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ChatSession:
    session_id: str
    user_id: str
    cookie: str
    new: bool


class SessionSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, session_id: str) -> str:
        return _b64(hmac.new(self._key, f"cookie:{session_id}".encode(), hashlib.sha256).digest())

    def user_id(self, session_id: str) -> str:
        return hmac.new(self._key, f"user:{session_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def _session(self, session_id: str, new: bool) -> ChatSession:
        cookie = f"{session_id}.{self._sign(session_id)}"
        return ChatSession(session_id, self.user_id(session_id), cookie, new)

    def issue(self) -> ChatSession:
        return self._session(_b64(secrets.token_bytes(_ID_BYTES)), new=True)

    def verify(self, cookie: str | None) -> ChatSession | None:
        """The session in a cookie, or None when it does not verify."""
        if not cookie or len(cookie) > 200:
            return None
        session_id, _, signature = cookie.partition(".")
        if not session_id or not hmac.compare_digest(signature.encode(), self._sign(session_id).encode()):
            return None
        return self._session(session_id, new=False)

    def resume_or_issue(self, cookie: str | None) -> ChatSession:
        return self.verify(cookie) or self.issue()
