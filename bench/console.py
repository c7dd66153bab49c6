"""The worker console over HTTP: 50 signed-in workers at once against one `tongxing serve` process
over 10,000 open tickets (PostgreSQL when it answers, else SQLite): each loads the queue page again
and again, and every fifth request claims a ticket of the queue it just saw. p50/p99 per kind of
request. Target on 2 cores: p99 <= 100 ms."""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import insert

from bench.server import fresh_postgres, serving
from bench.timing import Latency, latency
from bot import database
from bot.app import open_storage
from bot.storage.models import HandoffTicket
from bot.storage.workers import Workers
from core.clock import SystemClock
from core.database import make_engine, transaction
from core.settings import Settings

WORKERS = 50
TICKETS = 10_000
SECONDS = 10.0
PASSWORD = "bench password 123"
DISTRICTS = ("siming", "huli", "jimei", "haicang", "tongan", "xiangan")
PORT = 8941


def _prepare(data_dir: Path, url: str) -> None:
    engine = make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    settings = Settings(data_dir=data_dir, database_url=url)
    storage = open_storage(settings)
    now = SystemClock(settings.zone).now()
    summary = storage.cipher.encrypt("孩子8岁，想在厦门上学，户口在老家")
    rows = [
        {
            "user_key": f"telegram:{900_000_000 + number}",
            "reason": "requested",
            "urgency": "urgent" if number % 10 == 0 else "normal",
            "status": "open",
            "province": "fujian",
            "city": "xiamen",
            "district": DISTRICTS[number % len(DISTRICTS)],
            "summary": summary,
            "created_at": now - timedelta(minutes=TICKETS - number),
        }
        for number in range(TICKETS)
    ]
    with transaction(storage.sessions) as session:
        session.execute(insert(HandoffTicket), rows)
    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)  # logins are not measured
    workers = Workers(storage.sessions, cheap)
    for number in range(WORKERS):
        districts = [DISTRICTS[number % len(DISTRICTS)], DISTRICTS[(number + 1) % len(DISTRICTS)]]
        workers.create(
            f"bench{number}", f"社工{number}", PASSWORD, "worker", now, city="xiamen", districts=districts
        )
    storage.close()


async def _worker(base: str, number: int, deadline: float, samples: dict[str, list[float]]) -> int:
    failures = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = (await client.get("/console/login")).text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        await client.post(
            "/console/login", data={"csrf": token.group(1), "login": f"bench{number}", "password": PASSWORD}
        )
        await deadline_wait()
        turn = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await client.get("/console")
            samples["queue"].append((time.perf_counter() - start) * 1000)
            failures += response.status_code != 200
            turn += 1
            if turn % 5:
                continue
            ids = re.findall(r'href="/console/tickets/(\d+)"', response.text)
            csrf = re.search(r'name="csrf" value="([^"]+)"', response.text)
            if not ids or csrf is None:
                failures += 1
                continue
            start = time.perf_counter()
            claimed = await client.post(
                f"/console/tickets/{random.choice(ids[:20])}/claim", data={"csrf": csrf.group(1)}
            )
            samples["claim"].append((time.perf_counter() - start) * 1000)
            failures += claimed.status_code != 303
    return failures


async def deadline_wait() -> None:
    await asyncio.sleep(0.5)  # every worker signed in before the measured load starts


async def _load(base: str) -> tuple[dict[str, list[float]], int]:
    samples: dict[str, list[float]] = {"queue": [], "claim": []}
    deadline = time.perf_counter() + SECONDS + 5.0
    failures = await asyncio.gather(*(_worker(base, number, deadline, samples) for number in range(WORKERS)))
    return samples, sum(failures)


def _run(data_dir: Path, url: str) -> dict[str, Any]:
    _prepare(data_dir, url)
    with serving(data_dir, url, PORT, 1) as server:
        samples, failures = asyncio.run(_load(server.base))
    return {
        "queue": latency(samples["queue"]),
        "claim": latency(samples["claim"]),
        "requests": len(samples["queue"]) + len(samples["claim"]),
        "failures": failures,
    }


def evaluate(data_dir: Path) -> dict[str, Any]:
    postgres = fresh_postgres()
    if postgres is not None:
        return {"database": "PostgreSQL", **_run(data_dir, postgres)}
    with tempfile.TemporaryDirectory() as scratch:
        return {"database": "SQLite", **_run(data_dir, f"sqlite:///{Path(scratch) / 'bench.db'}")}


def report(result: dict[str, Any]) -> str:
    where = (
        f"{WORKERS} workers, {TICKETS} open tickets, 1 process on {result['database']} (target p99 <= 100 ms)"
    )
    queue: Latency = result["queue"]
    claim: Latency = result["claim"]
    return "\n".join(
        [
            queue.line(f"console queue page, {where}; {result['failures']} failed of {result['requests']}"),
            claim.line(f"console claim (through the conversation core), {where}"),
        ]
    )


if __name__ == "__main__":
    print(report(evaluate(Settings().ensure_data_dir().resolve())))
