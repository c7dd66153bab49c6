"""The hotline API over HTTP: `POST /v1/ask` with 50 concurrent clients on loopback, against one
`tongxing serve` process and then two (`--workers 2` on PostgreSQL when it answers, else two
processes on one SQLite file): p50/p99 latency and requests per second. Targets on 2 cores: p99 <=
50 ms at >= 300 requests/s with one process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from bench.timing import Latency, latency
from bot import database
from bot.app import open_storage
from bot.server.api_keys import KeyStore
from core.clock import SystemClock
from core.database import make_engine
from core.settings import Settings

CLIENTS = 50
SECONDS = 8.0
QUESTIONS = (
    "孩子5岁 外地户口能上公办幼儿园吗",
    "暂住证怎么办 要带什么",
    "娃刚满月 在哪打预防针",
    "低保咋申请 户口在老家",
    "帮我给孩子办医保",
    "孩子上初中要什么材料",
)
BENCH_DATABASE = "tongxing_bench"
TONGXING = str(Path(sys.executable).parent / "tongxing")


def _serve(data_dir: Path, url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "TONGXING_DATA_DIR": str(data_dir), "TONGXING_DATABASE_URL": url}
    return subprocess.Popen(
        [TONGXING, "serve", "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _load(base: str, key: str) -> tuple[list[float], int, float]:
    headers = {"Authorization": f"Bearer {key}"}
    samples: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        for question in QUESTIONS:  # warm every worker a little
            await client.post("/v1/ask", json={"question": question})
        deadline = time.perf_counter() + SECONDS

        async def one_client(number: int) -> None:
            nonlocal failures
            turn = number
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.post("/v1/ask", json={"question": QUESTIONS[turn % len(QUESTIONS)]})
                samples.append((time.perf_counter() - start) * 1000)
                failures += response.status_code != 200
                turn += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client(number) for number in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    return samples, failures, elapsed


def _run(data_dir: Path, url: str, key: str, workers: int, port: int) -> dict[str, Any]:
    server = _serve(data_dir, url, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(2.0 * workers)  # every worker has loaded its model
        samples, failures, elapsed = asyncio.run(_load(base, key))
    finally:
        server.terminate()
        server.wait(60)
    return {"latency": latency(samples), "requests": len(samples), "failures": failures, "seconds": elapsed}


def _fresh_postgres(name: str = BENCH_DATABASE) -> str | None:
    """A new, empty bench database on the local PostgreSQL, or None when none answers."""
    admin = os.environ.get(
        "TONGXING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception:
        return None
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _key(data_dir: Path, url: str) -> str:
    engine = make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    settings = Settings(data_dir=data_dir, database_url=url)
    storage = open_storage(settings)
    key = KeyStore(storage.sessions, SystemClock(settings.zone)).create("bench", per_minute=10_000_000)
    storage.close()
    return key


def evaluate(data_dir: Path) -> dict[str, Any]:
    """On PostgreSQL when it answers (one process, then `--workers 2`); else one process on SQLite."""
    postgres = _fresh_postgres()
    if postgres is not None:
        key = _key(data_dir, postgres)
        return {
            "database": "PostgreSQL",
            "one": _run(data_dir, postgres, key, 1, 8931),
            "two": _run(data_dir, postgres, key, 2, 8932),
        }
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        key = _key(data_dir, sqlite_url)
        return {"database": "SQLite", "one": _run(data_dir, sqlite_url, key, 1, 8931), "two": None}


def _line(label: str, result: dict[str, Any]) -> str:
    measured: Latency = result["latency"]
    rate = result["requests"] / result["seconds"]
    return measured.line(
        f"{label}: {rate:.0f} requests/s, {result['failures']} failed of {result['requests']}"
    )


def report(result: dict[str, Any]) -> str:
    where = result["database"]
    lines = [
        _line(
            f"/v1/ask over HTTP, {CLIENTS} clients, 1 process on {where} (target p99 <= 50 ms at >= 300/s)",
            result["one"],
        ),
    ]
    if result["two"] is None:
        lines.append(
            "/v1/ask over HTTP, 2 processes: skipped (several workers need PostgreSQL, none answers)"
        )
    else:
        lines.append(
            _line(
                f"/v1/ask over HTTP, {CLIENTS} clients, 2 processes (--workers 2) on {where}", result["two"]
            )
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate(Settings().ensure_data_dir())))
