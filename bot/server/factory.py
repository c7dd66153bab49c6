"""The uvicorn factory (`tongxing serve` runs `bot.server.factory:create` in each worker process):
settings from the environment, one App per process, the server around it."""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from bot.app import build_app
from bot.server import probe_channel
from bot.server.app import create_server
from bot.server.channels import enabled_channels
from core.settings import Settings


def create() -> FastAPI:
    application = build_app(Settings())
    channels = enabled_channels(application)
    if os.environ.get(probe_channel.ENV) == "1":  # TEST ONLY: see bot/server/probe_channel.py
        channels.append(probe_channel.channel(application))
    server = create_server(application, channels, close_app=True)
    # What was just loaded (the model, the knowledge base, the flows: ~150,000 objects) lives as long
    # as the process: moved out of the garbage collector's reach, a full collection takes ~2 ms
    # instead of ~230 ms, a pause that every request in flight would wait through.
    gc.collect()
    gc.freeze()
    return server
