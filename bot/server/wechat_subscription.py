"""One-time subscription messages (一次性订阅消息, WeChat's "Message_Management/One-time_subscription_info"):
the route for a reminder that falls due when the 48-hour window is closed.

1. The parent opens the authorisation link (`authorize_url`: mp.weixin.qq.com/mp/subscribemsg with
   action=get_confirm, our AppID, a scene, the template id, our redirect address and `reserved`) and
   taps 允许.
2. WeChat redirects to /wechat/subscribed with openid, template_id, action (confirm or cancel), scene
   and reserved. `reserved` is an HMAC of the openid under the account's Token, so nobody can record
   an acceptance for somebody else; a confirmation is stored as one grant.
3. Each grant carries one message through /cgi-bin/message/template/subscribe (bot/server/wechat_api.py),
   used by the first reminder due outside the window (`use_grant` takes it atomically).

Configured by TONGXING_WECHAT_SUBSCRIBE_TEMPLATE_ID and TONGXING_WECHAT_SUBSCRIBE_REDIRECT_URL (on the
account's business domain, 业务域名); without both, parents are not offered the route."""

from __future__ import annotations

import hashlib
import hmac
import html
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import WeChatSubscription
from core.clock import Clock
from core.database import transaction
from core.i18n import Translator

AUTHORIZE = "https://mp.weixin.qq.com/mp/subscribemsg"
PAGE = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><p>{text}</p>'
SCENE = 1000  # 0-10000: which offer the acceptance came from (one here: reminders)


def reserved_for(token: str, openid: str) -> str:
    return hmac.new(token.encode(), f"subscribe:{openid}".encode(), hashlib.sha256).hexdigest()[:32]


class Subscriptions:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        *,
        token: str,
        app_id: str | None,
        template_id: str | None,
        redirect_url: str | None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.token = token
        self.app_id = app_id
        self.template_id = template_id
        self.redirect_url = redirect_url

    @property
    def offered(self) -> bool:
        return bool(self.app_id and self.template_id and self.redirect_url)

    def authorize_url(self, openid: str) -> str:
        query = urlencode(
            {
                "action": "get_confirm",
                "appid": self.app_id or "",
                "scene": SCENE,
                "template_id": self.template_id or "",
                "redirect_url": self.redirect_url or "",
                "reserved": reserved_for(self.token, openid),
            }
        )
        return f"{AUTHORIZE}?{query}#wechat_redirect"

    def grant(self, user_key: str, template_id: str, scene: int) -> None:
        with transaction(self.sessions) as session:
            session.add(
                WeChatSubscription(
                    user_key=user_key, template_id=template_id, scene=scene, granted_at=self.clock.now()
                )
            )

    def has_grant(self, user_key: str) -> bool:
        if not self.template_id:
            return False
        with self.sessions() as session:
            return session.scalar(self._unused(user_key).limit(1)) is not None

    def use_grant(self, user_key: str) -> bool:
        """Take one unused grant (so two dispatchers never spend one twice); False when none."""
        if not self.template_id:
            return False
        with transaction(self.sessions) as session:
            for grant_id in session.scalars(self._unused(user_key).order_by(WeChatSubscription.id)).all():
                result = session.execute(
                    update(WeChatSubscription)
                    .where(WeChatSubscription.id == grant_id, WeChatSubscription.used_at.is_(None))
                    .values(used_at=self.clock.now())
                )
                if getattr(result, "rowcount", 0) == 1:
                    return True
        return False

    def give_back(self, user_key: str) -> None:
        """The message could not be sent: the newest used grant is unused again."""
        with transaction(self.sessions) as session:
            newest = session.scalar(
                select(WeChatSubscription.id)
                .where(WeChatSubscription.user_key == user_key, WeChatSubscription.used_at.is_not(None))
                .order_by(WeChatSubscription.used_at.desc(), WeChatSubscription.id.desc())
                .limit(1)
            )
            if newest is not None:
                session.execute(
                    update(WeChatSubscription).where(WeChatSubscription.id == newest).values(used_at=None)
                )

    def _unused(self, user_key: str) -> Select[Any]:
        return select(WeChatSubscription.id).where(
            WeChatSubscription.user_key == user_key,
            WeChatSubscription.template_id == self.template_id,
            WeChatSubscription.used_at.is_(None),
        )

    def router(self, translator: Translator) -> APIRouter:
        router = APIRouter(tags=["wechat"], include_in_schema=False)

        async def subscribed(request: Request) -> Response:
            query = request.query_params
            openid, template_id = query.get("openid", ""), query.get("template_id", "")
            expected = reserved_for(self.token, openid)
            if not openid or not hmac.compare_digest(query.get("reserved", ""), expected):
                return Response(status_code=403)
            if template_id != self.template_id:
                return Response(status_code=400)
            if query.get("action") == "confirm":
                try:
                    scene = int(query.get("scene", SCENE))
                except ValueError:
                    scene = SCENE
                await anyio.to_thread.run_sync(self.grant, f"wechat:{openid}", template_id, scene)
                text = translator.gettext("好的，下一条提醒会用订阅消息准时发给你。")
            else:
                text = translator.gettext("没有订阅。提醒会在你下次发消息时补发给你。")
            return HTMLResponse(PAGE.format(text=html.escape(text)))

        router.add_api_route("/wechat/subscribed", subscribed, methods=["GET"])
        return router
