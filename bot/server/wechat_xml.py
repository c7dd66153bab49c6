"""WeChat's XML: what a message says, read safely, and the passive replies, written.

Bodies are parsed by defusedxml (no DTD, no entities: an XML bomb is refused, not expanded) after
the server has capped their size. Only a flat <xml> of short fields is accepted; anything else is an
`XmlError` (the endpoint answers 400, never 500). Texts sent to WeChat are split at its length limit
(2048 bytes for a text message) on line breaks where possible."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024
MAX_FIELD_CHARS = 16 * 1024
TEXT_LIMIT_BYTES = 2000  # WeChat's limit is 2048 bytes per text message; some room left
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class XmlError(ValueError):
    """A body that is not a WeChat message."""


@dataclass(frozen=True)
class WeChatMessage:
    to_user: str  # the account's own id (gh_...)
    from_user: str  # the parent's openid for this account
    create_time: int
    msg_type: str  # text | voice | image | video | shortvideo | location | link | file | event
    content: str = ""
    msg_id: str | None = None
    event: str = ""  # subscribe | unsubscribe | CLICK | VIEW | SCAN | ...
    event_key: str = ""
    recognition: str = ""  # voice: WeChat's speech recognition, when the account has it on

    @property
    def message_id(self) -> str:
        """What a redelivery repeats: MsgId for messages, FromUserName + CreateTime for events."""
        if self.msg_id:
            return self.msg_id
        return f"{self.msg_type}:{self.event}:{self.create_time}"[:64]


def parse_fields(body: bytes) -> dict[str, str]:
    """The children of a flat <xml> root as text (first occurrence of each)."""
    if len(body) > MAX_BODY_BYTES:
        raise XmlError("body too large")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as error:
        raise XmlError(f"not XML: {type(error).__name__}") from error
    if root.tag != "xml":
        raise XmlError("the root is not <xml>")
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = (child.text or "").strip()[:MAX_FIELD_CHARS]
    return fields


def parse_message(body: bytes) -> WeChatMessage:
    fields = parse_fields(body)
    to_user, from_user = fields.get("ToUserName", ""), fields.get("FromUserName", "")
    msg_type = fields.get("MsgType", "").strip().lower()
    created = fields.get("CreateTime", "")
    if not _ID.match(to_user) or not _ID.match(from_user) or not msg_type.isascii() or len(msg_type) > 32:
        raise XmlError("missing or malformed sender, account or type")
    if not (created.isascii() and created.isdigit() and len(created) <= 12):
        raise XmlError("missing or malformed CreateTime")
    msg_id = fields.get("MsgId", "")
    return WeChatMessage(
        to_user=to_user,
        from_user=from_user,
        create_time=int(created),
        msg_type=msg_type,
        content=fields.get("Content", ""),
        msg_id=msg_id if msg_id.isascii() and msg_id.isdigit() and len(msg_id) <= 32 else None,
        event=fields.get("Event", "")[:64],
        event_key=fields.get("EventKey", "")[:128],
        recognition=fields.get("Recognition", ""),
    )


def cdata(text: str) -> str:
    clean = _NOT_XML_CHARS.sub("", text)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(message: WeChatMessage, content: str, now: int | None = None) -> str:
    """A passive text reply to `message` (from the account to the parent)."""
    return (
        f"<xml><ToUserName>{cdata(message.from_user)}</ToUserName>"
        f"<FromUserName>{cdata(message.to_user)}</FromUserName>"
        f"<CreateTime>{int(time.time()) if now is None else now}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """`text` in pieces of at most `limit` UTF-8 bytes, cut at a line break where one is near."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest.encode("utf-8")) > limit:
        cut = len(rest.encode("utf-8")[:limit].decode("utf-8", "ignore"))
        newline = rest.rfind("\n", 0, cut)
        if newline > cut // 2:
            cut = newline
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces
