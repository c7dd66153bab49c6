"""Two real `tongxing serve` processes on one PostgreSQL database answer one parent alternately
with no lost update; SIGTERM during a turn lets the turn finish; the JSON logs hold no message text."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.storage.models import Conversation, MessageLog
from core.database import make_engine, make_sessions
from tests.conftest import migrate
from tests.e2e.server_process import ServerProcess, start_server

pytestmark = pytest.mark.postgres

SECRET_WORDS = "我家孩子小明今年七岁住在湖里区想问上学"


@pytest.fixture
def two_servers(
    postgres_url: str, tmp_path: Path, install_model: Callable[[Path], Path]
) -> Iterator[tuple[ServerProcess, ServerProcess, str]]:
    migrate(postgres_url)
    data_dir = install_model(tmp_path / "data")
    (data_dir / "secret.key").unlink(missing_ok=True)
    servers: list[ServerProcess] = []
    try:
        # the first creates the shared secret key in the data directory; then the second starts
        servers.append(start_server(data_dir, postgres_url, tmp_path))
        servers[0].wait_ready()
        servers.append(start_server(data_dir, postgres_url, tmp_path))
        servers[1].wait_ready()
        yield servers[0], servers[1], postgres_url
    finally:
        for server in servers:
            server.stop()


def counts(url: str, user_key: str) -> tuple[int, int, int]:
    """(messages in, messages stored in all, the conversation's state version)."""
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            incoming = session.scalar(
                select(func.count())
                .select_from(MessageLog)
                .where(MessageLog.user_key == user_key, MessageLog.direction == "in")
            )
            version = session.scalar(select(Conversation.version).where(Conversation.user_key == user_key))
    finally:
        engine.dispose()
    return int(incoming or 0), 0, int(version or 0)


def test_two_processes_answer_one_parent_alternately_with_no_lost_update(
    two_servers: tuple[ServerProcess, ServerProcess, str],
) -> None:
    first, second, url = two_servers
    messages = [
        "你好",
        "孩子5岁 想上幼儿园",
        "厦门湖里",
        "暂住证怎么办",
        "低保咋申请",
        "同意",
        "是",
        "不是",
    ] * 2
    errors: list[str] = []

    def send(index: int, text: str) -> None:
        server = (first, second)[index % 2]
        body = {"user_id": "parent-1", "text": text, "message_id": f"m{index}"}
        response = httpx.post(f"{server.url}/_test/turn", json=body, timeout=30)
        if response.status_code != 200 or not response.json()["replies"]:
            errors.append(f"{index}: {response.status_code} {response.text[:200]}")

    # in pairs at once: each pair is one message on each process, racing for the same conversation
    for start in range(0, len(messages), 2):
        threads = [
            threading.Thread(target=send, args=(index, messages[index])) for index in (start, start + 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    incoming, _, version = counts(url, "probe:parent-1")
    assert incoming == len(messages)  # every message stored once
    assert version == len(messages)  # every turn applied to the state: none overwritten

    # a message redelivered to the other process is answered once, stored once
    again = httpx.post(
        f"{second.url}/_test/turn",
        json={"user_id": "parent-1", "text": "你好", "message_id": "m0"},
        timeout=30,
    )
    assert again.status_code == 200 and again.json()["replies"] == []
    assert counts(url, "probe:parent-1")[0] == len(messages)


def test_sigterm_during_a_turn_lets_the_turn_finish(
    two_servers: tuple[ServerProcess, ServerProcess, str],
) -> None:
    first, _, url = two_servers
    result: dict[str, httpx.Response] = {}

    def send() -> None:
        body = {"user_id": "parent-2", "text": "低保咋申请", "message_id": "slow", "hold_seconds": 2.0}
        result["response"] = httpx.post(f"{first.url}/_test/turn", json=body, timeout=30)

    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(0.8)  # the request is in flight, held before its turn
    first.process.send_signal(15)
    thread.join(30)
    assert result["response"].status_code == 200 and result["response"].json()["replies"]
    # uvicorn stops gracefully, then re-raises SIGTERM so the exit status says what stopped it
    assert first.process.wait(30) in {0, -15}
    assert "Application shutdown complete." in first.stderr()
    assert counts(url, "probe:parent-2")[0] == 1  # stored
    with pytest.raises(httpx.HTTPError):  # and the process is gone
        httpx.get(f"{first.url}/healthz", timeout=2)


def test_logs_are_json_lines_without_message_text(
    two_servers: tuple[ServerProcess, ServerProcess, str],
) -> None:
    first, _, _ = two_servers
    body = {"user_id": "parent-3", "text": SECRET_WORDS, "message_id": "private"}
    assert httpx.post(f"{first.url}/_test/turn", json=body, timeout=30).status_code == 200
    httpx.get(f"{first.url}/healthz?name={SECRET_WORDS}", timeout=5)
    first.stop()
    lines = [line for line in first.stderr().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is a JSON object
    assert any(record.get("event") == "turn" and record.get("channel") == "probe" for record in records)
    assert any(record.get("event") == "request" and record.get("path") == "/_test/turn" for record in records)
    assert SECRET_WORDS not in first.stderr() and "parent-3" not in first.stderr()
