"""WeChat as the tests meet it: requests built exactly as WeChat sends them (query parameters,
XML bodies, safe-mode envelopes), and a real HTTP server on loopback in place of WeChat's API
(/cgi-bin/token, /cgi-bin/message/custom/send and
/cgi-bin/message/template/subscribe) that records what it was sent."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from fastapi.testclient import TestClient

from bot.server.wechat_crypto import MessageCipher, signature
from bot.server.wechat_xml import cdata, parse_fields
from core.clock import Clock

TOKEN = "tongxing-test-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_tongxing0001"
OPENID = "oParent_0123456789abcdefghijk"
_nonces = itertools.count(1)
_msg_ids = itertools.count(6054768590064713728)


def text_xml(content: str, openid: str = OPENID, msg_id: int | None = None, created: int = 1) -> str:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id or next(_msg_ids)}</MsgId></xml>"
    )


def event_xml(event: str, key: str = "", openid: str = OPENID, created: int = 1) -> str:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event>{cdata(event)}</Event><EventKey>{cdata(key)}</EventKey></xml>"
    )


def media_xml(kind: str, extra: str = "", openid: str = OPENID) -> str:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>1</CreateTime><MsgType>{cdata(kind)}</MsgType><MediaId><![CDATA[m1]]></MediaId>"
        f"{extra}<MsgId>{next(_msg_ids)}</MsgId></xml>"
    )


@dataclass
class WeChatSender:
    """Posts to /wechat as WeChat does, in plaintext or safe (AES) mode."""

    client: TestClient
    clock: Clock
    aes: bool = False
    token: str = TOKEN

    def query(self, *, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        stamp = timestamp or str(int(self.clock.now().timestamp()))
        once = nonce or f"{next(_nonces)}{time.monotonic_ns() % 100000}"
        return {"signature": signature(self.token, stamp, once), "timestamp": stamp, "nonce": once}

    def post(self, xml: str, *, openid: str = OPENID, **query_overrides: str) -> httpx.Response:
        params = {**self.query(), "openid": openid, **query_overrides}
        body = xml
        if self.aes:
            enc = MessageCipher(AES_KEY, APP_ID).encrypt(xml)
            params["encrypt_type"] = "aes"
            params["msg_signature"] = signature(self.token, params["timestamp"], params["nonce"], enc)
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(enc)}</Encrypt></xml>"
            params.update(query_overrides)
        return self.client.post("/wechat", params=params, content=body.encode("utf-8"))

    def reply_text(self, response: httpx.Response) -> str:
        """The Content of a passive reply ("" for "success"), decrypted in safe mode."""
        assert response.status_code == 200, response.status_code
        if response.text in ("success", ""):
            return ""
        fields = parse_fields(response.content)
        if self.aes:
            assert fields["MsgSignature"] == signature(
                self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            )
            fields = parse_fields(MessageCipher(AES_KEY, APP_ID).decrypt(fields["Encrypt"]).encode())
        assert fields["MsgType"] == "text"
        return fields["Content"]


@dataclass
class FakeWeChatApi:
    """What the fake WeChat API server was asked, and how it answers the next sends."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    subscription_sent: list[dict[str, Any]] = field(default_factory=list)  # /message/template/subscribe
    tokens_issued: int = 0
    send_errors: list[int] = field(default_factory=list)  # errcodes for the next sends, in order
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, seconds: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.sent) >= count:
                    return list(self.sent)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} customer-service messages, got {len(self.sent)}")


@contextmanager
def fake_wechat_api() -> Iterator[FakeWeChatApi]:
    state = FakeWeChatApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _answer(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path != "/cgi-bin/token" or query.get("secret") != [APP_SECRET]:
                self._answer({"errcode": 40125, "errmsg": "invalid appsecret"})
                return
            with state.lock:
                state.tokens_issued += 1
                token = f"ACCESS_TOKEN_{state.tokens_issued}"
            self._answer({"access_token": token, "expires_in": 7200})

        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
            token = parse_qs(url.query).get("access_token", [""])[0]
            with state.lock:
                if (
                    url.path
                    not in (
                        "/cgi-bin/message/custom/send",
                        "/cgi-bin/message/template/subscribe",
                    )
                    or token != f"ACCESS_TOKEN_{state.tokens_issued}"
                ):
                    self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    return
                if state.send_errors:
                    self._answer({"errcode": state.send_errors.pop(0), "errmsg": "refused"})
                    return
                if url.path.endswith("/subscribe"):
                    state.subscription_sent.append(body)
                else:
                    state.sent.append(body)
            self._answer({"errcode": 0, "errmsg": "ok"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
