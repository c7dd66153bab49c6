"""WeChat's signatures and AES message encryption, checked against the sample of WeChat's own
WXBizMsgCrypt demo (its published token, EncodingAESKey, AppID and ciphertext)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.server.wechat_crypto import DecryptError, MessageCipher, signature, signature_matches

# WeChat's WXBizMsgCrypt sample (the demo shipped with its message encryption documentation).
SAMPLE_TOKEN = "spamtest"
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
    "JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux"
    "5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpX"
    "gCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzp"
    "u9GhglF2PE="
)


def test_the_official_sample_signature_holds() -> None:
    assert signature(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE
    assert signature_matches(
        SAMPLE_MSG_SIGNATURE, SAMPLE_TOKEN, SAMPLE_NONCE, SAMPLE_TIMESTAMP, SAMPLE_ENCRYPT
    )
    assert not signature_matches("5d197aaffba7e9b25a30732f161a50dee96bd5fb", SAMPLE_TOKEN, SAMPLE_TIMESTAMP)


def test_the_official_sample_decrypts_to_its_message() -> None:
    xml = MessageCipher(SAMPLE_KEY, SAMPLE_APP_ID).decrypt(SAMPLE_ENCRYPT)
    assert xml.startswith("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>")
    assert "<Content><![CDATA[abcdteT]]></Content>" in xml
    assert "<MsgId>6054768590064713728</MsgId>" in xml


def test_the_official_sample_is_refused_for_another_app_id() -> None:
    with pytest.raises(DecryptError):
        MessageCipher(SAMPLE_KEY, "wx0000000000000000").decrypt(SAMPLE_ENCRYPT)


def test_encryption_with_fixed_random_bytes_gives_a_fixed_layout() -> None:
    """Derived by hand: 16 random bytes, the length, the XML, the AppID, padded to 32."""
    cipher = MessageCipher(SAMPLE_KEY, SAMPLE_APP_ID, random_bytes=lambda n: b"R" * n)
    encrypted = cipher.encrypt("<xml>hi</xml>")
    raw = base64.b64decode(encrypted)
    plain_length = 16 + 4 + len("<xml>hi</xml>") + len(SAMPLE_APP_ID)  # 51 bytes
    assert len(raw) == 64 and plain_length < 64  # padded with 13 bytes of value 13
    assert cipher.decrypt(encrypted) == "<xml>hi</xml>"
    assert encrypted == cipher.encrypt("<xml>hi</xml>")


@given(st.text(max_size=3000))
def test_any_text_survives_a_round_trip(text: str) -> None:
    cipher = MessageCipher(SAMPLE_KEY, SAMPLE_APP_ID)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return
    assert cipher.decrypt(cipher.encrypt(text)) == text


@given(st.binary(max_size=600))
def test_garbage_never_decrypts_and_never_crashes(data: bytes) -> None:
    cipher = MessageCipher(SAMPLE_KEY, SAMPLE_APP_ID)
    with pytest.raises(DecryptError):
        cipher.decrypt(base64.b64encode(data).decode() if data else "!!")


def test_a_malformed_encoding_aes_key_is_refused() -> None:
    with pytest.raises(ValueError):
        MessageCipher("short", SAMPLE_APP_ID)
