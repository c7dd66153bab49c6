"""/metrics: every channel's turns are counted where they all pass (take_turn), by channel, with
their latency, intents, fallbacks, handoffs and failures; labels never carry a message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from bot.app import App
from bot.server.app import create_server
from bot.server.channel import take_turn
from core.message import Inbound


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


def turn(app: App, text: str, channel: str = "metrics_test", user: str = "m1") -> None:
    asyncio.run(take_turn(app, Inbound(user_id=user, channel=channel, text=text)))


def test_every_turn_is_counted_by_channel_with_its_latency(app: App) -> None:
    before = value("tongxing_turns_total", channel="metrics_test")
    seen = value("tongxing_turn_seconds_count", channel="metrics_test")
    turn(app, "你好")
    turn(app, "低保咋申请")
    assert value("tongxing_turns_total", channel="metrics_test") == before + 2
    assert value("tongxing_turn_seconds_count", channel="metrics_test") == seen + 2


def test_intents_fallbacks_and_handoffs_are_counted(app: App) -> None:
    crisis = value("tongxing_intents_total", intent="crisis")
    handoffs = value("tongxing_handoffs_total", channel="metrics_test", reason="crisis")
    turn(app, "孩子被他爸打得浑身是伤，现在不敢回家", user="m2")
    assert value("tongxing_intents_total", intent="crisis") == crisis + 1
    assert value("tongxing_handoffs_total", channel="metrics_test", reason="crisis") == handoffs + 1


def test_a_failed_turn_is_a_channel_error(app: App) -> None:
    before = value("tongxing_channel_errors_total", channel="metrics_test", kind="turn_failed")
    app.storage.engine.dispose()
    object.__setattr__(app.conversations, "engine", None)  # a fault injected: the turn cannot run
    with pytest.raises(AttributeError):
        turn(app, "你好", user="m3")
    assert value("tongxing_channel_errors_total", channel="metrics_test", kind="turn_failed") == before + 1


def test_metrics_route_serves_the_counters_without_message_text(app: App) -> None:
    turn(app, "孩子上学要带什么材料", user="m4")
    with TestClient(create_server(app, channels=[])) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert 'tongxing_turns_total{channel="metrics_test"}' in response.text
    assert "上学" not in response.text and "m4" not in response.text
