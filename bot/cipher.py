"""Encryption at rest for children's data (state, messages, checklists): Fernet (AES-128-CBC + HMAC).

The key comes from TONGXING_SECRET_KEY, or from `<data dir>/secret.key`, which the
embedded default creates once with file mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "secret.key"


class CipherError(Exception):
    """Stored data could not be decrypted (wrong key or tampered data)."""


def load_or_create_key(data_dir: Path, configured: str | None) -> bytes:
    if configured:
        return configured.encode("ascii")
    path = data_dir / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


class Cipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key
        self._derived: dict[str, bytes] = {}  # purpose -> key (a few fixed purposes)

    def derive(self, purpose: str) -> bytes:
        """A key for another use (signing the web chat's session cookie, say), derived from this one
        with HMAC-SHA256 so that neither key reveals the other; derived once per purpose."""
        derived = self._derived.get(purpose)
        if derived is None:
            derived = hmac.new(self._key, f"tongxing:{purpose}".encode(), hashlib.sha256).digest()
            self._derived[purpose] = derived
        return derived

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as error:
            raise CipherError("stored data cannot be decrypted with this key") from error
