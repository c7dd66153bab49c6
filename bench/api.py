"""The hotline API over HTTP: `POST /v1/ask` with 50 concurrent clients on loopback, against one
`tongxing serve` process (on SQLite, and on PostgreSQL when it answers) and two (`--workers 2` on
PostgreSQL): capacity, and p50/p99 at the target rate. Target on 2 cores: p99 <= 50 ms at >= 300
requests/s with one process. How the load is made: bench/load.py and bench/server.py."""

from __future__ import annotations

import json
from pathlib import Path

from bench import load
from bench.server import Measured, measure, on_each_database, serving
from bot.app import open_storage
from bot.server.api_keys import KeyStore
from core.clock import SystemClock
from core.settings import Settings

TARGET_RATE = 300.0
TARGET_P99_MS = 50.0
QUESTIONS = (
    "孩子5岁 外地户口能上公办幼儿园吗",
    "暂住证怎么办 要带什么",
    "娃刚满月 在哪打预防针",
    "低保咋申请 户口在老家",
    "帮我给孩子办医保",
    "孩子上初中要什么材料",
)


def _key(data_dir: Path, url: str, name: str) -> str:
    settings = Settings(data_dir=data_dir, database_url=url)
    storage = open_storage(settings)
    key = KeyStore(storage.sessions, SystemClock(settings.zone)).create(name, per_minute=10_000_000)
    storage.close()
    return key


def requests(key: str) -> list[load.Request]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return [
        load.Request("/v1/ask", headers, json.dumps({"question": question}, ensure_ascii=False))
        for question in QUESTIONS
    ]


def _measure(data_dir: Path, url: str, label: str, port: int, workers: int) -> Measured:
    key = _key(data_dir, url, f"bench-{port}")
    with serving(data_dir, url, port, workers) as server:
        return measure(label, server, lambda: requests(key), TARGET_RATE)


def evaluate(data_dir: Path) -> list[Measured]:
    """One process on SQLite; one and two processes on PostgreSQL when it answers."""
    return on_each_database(
        lambda url, label, port, workers: _measure(data_dir, url, label, port, workers), "/v1/ask", 8931
    )


def report(results: list[Measured]) -> str:
    lines = [f"hotline API over HTTP; load by {load.generator()}"]
    for result in results:
        lines += result.lines(TARGET_P99_MS)
    if len(results) == 1:
        lines.append("/v1/ask on PostgreSQL (1 and 2 processes): skipped, no PostgreSQL answers")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate(Settings().ensure_data_dir().resolve())))
