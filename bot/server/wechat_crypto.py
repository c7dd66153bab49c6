"""WeChat's request signatures and its AES message encryption ("safe mode"), our own small module.

Signatures: the SHA-1 of the sorted, concatenated strings (token, timestamp, nonce; and the
<Encrypt> text for `msg_signature`), compared in constant time.

Encryption: AES-256-CBC with the key base64-decoded from the EncodingAESKey (43 characters + "="),
the IV its first 16 bytes; the plaintext is 16 random bytes, the XML's length (4 bytes, network
order), the XML, the AppID, padded PKCS#7-style to a multiple of 32 bytes (WeChat's block size for
padding, not AES's). Checked against the sample of WeChat's own WXBizMsgCrypt demo
(tests/bot/server/test_wechat_crypto.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32


class DecryptError(ValueError):
    """An <Encrypt> text that does not decrypt to a message for this account."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(given: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts).encode("ascii"), given.encode("utf-8", "replace"))


def aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise ValueError("the EncodingAESKey must decode to 32 bytes (43 characters)")
    return key


class MessageCipher:
    """Encrypts passive replies and decrypts incoming messages of one account."""

    def __init__(
        self, encoding_aes_key: str, app_id: str, random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        self.key = aes_key(encoding_aes_key)
        self.app_id = app_id.encode("utf-8")
        self.random_bytes = random_bytes

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str) -> str:
        body = xml.encode("utf-8")
        plain = self.random_bytes(16) + struct.pack(">I", len(body)) + body + self.app_id
        pad = PAD_BLOCK - len(plain) % PAD_BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise DecryptError("not base64") from error
        if not data or len(data) % 16:
            raise DecryptError("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad or len(plain) - pad < 20:
            raise DecryptError("bad padding")
        content = plain[16 : len(plain) - pad]
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise DecryptError("bad length")
        if not hmac.compare_digest(content[4 + length :], self.app_id):
            raise DecryptError("another account's message")
        try:
            return content[4 : 4 + length].decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecryptError("not UTF-8") from error
