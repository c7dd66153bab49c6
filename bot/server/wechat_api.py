"""WeChat's customer-service API (客服消息): a text to a parent outside a passive reply, with the
access token from /cgi-bin/token cached until shortly before it expires.

`base_url` is injectable (TONGXING_WECHAT_API_URL): the tests run a real HTTP server on loopback
in WeChat's place. A new token from /cgi-bin/token invalidates the previous one after a few
minutes, so with several server processes each refreshes on "token invalid" (40001, 42001) and
tries once more."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import httpx

from core.clock import Clock

TOKEN_INVALID = frozenset({40001, 40014, 42001})
OUTSIDE_WINDOW = frozenset({45015, 45047})  # reply time limit passed; too many messages in a row
UNSUBSCRIBED = frozenset({43004})
TOKEN_MARGIN = timedelta(minutes=5)


class WeChatApiError(Exception):
    """WeChat refused the call, or could not be reached (`code` None)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"WeChat API error {code}: {message}")
        self.code = code

    @property
    def outside_window(self) -> bool:
        return self.code in OUTSIDE_WINDOW

    @property
    def unsubscribed(self) -> bool:
        return self.code in UNSUBSCRIBED


class WeChatApi:
    def __init__(
        self,
        app_id: str,
        app_secret: str,
        clock: Clock,
        base_url: str = "https://api.weixin.qq.com",
        timeout: float = 5.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.clock = clock
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._token: tuple[str, datetime] | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self.client.aclose()

    async def access_token(self, *, refresh: bool = False) -> str:
        async with self._lock:
            if self._token and not refresh and self.clock.now() < self._token[1]:
                return self._token[0]
            params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            body = await self._call("GET", "/cgi-bin/token", params=params)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatApiError(None, "no access_token in the answer")
            lifetime = timedelta(seconds=int(body.get("expires_in", 7200)))
            self._token = (token, self.clock.now() + max(lifetime - TOKEN_MARGIN, lifetime / 2))
            return token

    async def send_text(self, openid: str, content: str) -> None:
        message = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        await self._post("/cgi-bin/message/custom/send", message)

    async def send_subscription(
        self, openid: str, template_id: str, scene: int, title: str, content: str
    ) -> None:
        """A one-time subscription message (一次性订阅消息): one per acceptance of the parent; the
        title at most 15 characters, the content at most 200."""
        message = {
            "touser": openid,
            "template_id": template_id,
            "scene": str(scene),
            "title": title[:15],
            "data": {"content": {"value": content[:200]}},
        }
        await self._post("/cgi-bin/message/template/subscribe", message)

    async def _post(self, path: str, message: dict[str, Any]) -> None:
        data = json.dumps(message, ensure_ascii=False).encode("utf-8")  # WeChat shows \\u escapes as is
        for attempt in range(2):
            token = await self.access_token(refresh=attempt > 0)
            try:
                await self._call("POST", path, params={"access_token": token}, data=data)
                return
            except WeChatApiError as error:
                if error.code not in TOKEN_INVALID or attempt:
                    raise

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"} if "data" in kwargs else None
        data = kwargs.pop("data", None)
        try:
            response = await self.client.request(method, path, content=data, headers=headers, **kwargs)
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise WeChatApiError(None, type(error).__name__) from error
        if not isinstance(body, dict):
            raise WeChatApiError(None, "the answer is not a JSON object")
        code = body.get("errcode", 0)
        if code:
            raise WeChatApiError(int(code) if isinstance(code, int) else None, str(body.get("errmsg", "")))
        return body
