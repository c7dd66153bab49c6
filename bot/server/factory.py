"""The uvicorn factory (`tongxing serve` runs `bot.server.factory:create` in each worker process):
settings from the environment, one App per process, the server around it."""

from __future__ import annotations

from fastapi import FastAPI

from bot.app import build_app
from bot.server.app import create_server
from core.settings import Settings


def create() -> FastAPI:
    return create_server(build_app(Settings()), close_app=True)
