"""The server's FastAPI app, built around one App (bot/app.py): health, then every enabled channel's
routes. Channels start with the server and stop before the App is closed, so no turn is cut off."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bot.app import App
from bot.server.channel import Channel
from bot.server.channels import enabled_channels
from bot.server.errors import install_errors
from bot.server.health import health_router
from bot.server.metrics import metrics_router


def create_server(
    application: App, channels: Sequence[Channel] | None = None, *, close_app: bool = False
) -> FastAPI:
    """The HTTP app. `channels` defaults to those the settings enable; with `close_app` the App is
    closed when the server stops (the process owns it)."""
    chosen = list(channels) if channels is not None else enabled_channels(application)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started: list[Channel] = []
        try:
            for channel in chosen:
                await channel.start()
                started.append(channel)
            yield
        finally:
            for channel in reversed(started):
                await channel.stop()
            if close_app:
                application.close()

    server = FastAPI(
        title="同行 Tongxing",
        description="The assistant for migrant families: web chat, hotline API, WeChat and Telegram.",
        version="1",
        lifespan=lifespan,
    )
    server.state.application = application
    install_errors(server)
    server.include_router(health_router(application))
    server.include_router(metrics_router())
    for channel in chosen:
        routes = channel.router()
        if routes is not None:
            server.include_router(routes)
    return server
