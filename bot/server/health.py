"""/healthz (the process answers) and /readyz (the database answers, the model is loaded)."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.app import App


def database_answers(application: App) -> bool:
    try:
        with application.storage.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def health_router(application: App, ping: Callable[[], bool] | None = None) -> APIRouter:
    """`ping` tells whether the database answers (default: SELECT 1 on the App's database)."""
    router = APIRouter(tags=["health"])
    probe = ping or (lambda: database_answers(application))

    @router.get("/healthz", summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Ready to take turns: the database answers")
    async def readyz() -> JSONResponse:
        ready = await anyio.to_thread.run_sync(probe)
        body = {"status": "ok" if ready else "unavailable", "database": "ok" if ready else "unreachable"}
        return JSONResponse(body, status_code=200 if ready else 503)

    return router
