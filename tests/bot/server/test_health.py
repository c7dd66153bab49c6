"""The server's health routes: /healthz when the process answers, /readyz only when the database does."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.app import App
from bot.server.app import create_server
from bot.server.health import health_router


def test_healthz_answers_ok(base_app: App) -> None:
    with TestClient(create_server(base_app, channels=[])) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_while_the_database_answers(base_app: App) -> None:
    with TestClient(create_server(base_app, channels=[])) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_readyz_is_503_when_the_database_does_not_answer(base_app: App) -> None:
    server = FastAPI()
    server.include_router(health_router(base_app, ping=lambda: False))
    with TestClient(server) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
