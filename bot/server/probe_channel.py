"""TEST ONLY: a bare channel that takes a turn over HTTP, for the multi-process and graceful-stop
tests (tests/e2e/), which must drive real `tongxing serve` processes through a route that takes a
turn without depending on any one platform's channel.

It is mounted only when the environment says TONGXING_TEST_CHANNEL=1 (bot/server/factory.py); it has
no authentication, so never set that variable on a server that anyone else can reach."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from pydantic import BaseModel, Field

from bot.app import App
from bot.server.channel import RoutesOnly, take_turn
from core.message import Inbound

ENV = "TONGXING_TEST_CHANNEL"


class ProbeMessage(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=2000)
    message_id: str | None = Field(default=None, max_length=64)
    hold_seconds: float = Field(default=0.0, ge=0, le=10)  # wait first: a turn still in flight


class ProbeReplies(BaseModel):
    replies: list[str]


def channel(application: App) -> RoutesOnly:
    router = APIRouter(prefix="/_test", include_in_schema=False)

    @router.post("/turn")
    async def turn(message: ProbeMessage) -> ProbeReplies:
        if message.hold_seconds:
            await anyio.sleep(message.hold_seconds)
        event = Inbound(
            user_id=message.user_id, channel="probe", text=message.text, message_id=message.message_id
        )
        outcome = await take_turn(application, event)
        return ProbeReplies(replies=[reply.text for reply in outcome.replies])

    return RoutesOnly("probe", router)
