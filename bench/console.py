"""The worker console over HTTP: 50 signed-in workers at once against one `tongxing serve` process
over 10,000 open tickets (PostgreSQL when it answers, else SQLite): each loads the queue page again
and again, and every fifth request claims a ticket of the queue it just saw. p50/p99 per kind of
request, and the server's CPU time per request (less noisy than latency on a shared machine). Then
the same 50 workers paced as people work: each loads the queue every PACED_SECONDS seconds (and
claims every fifth time), so that the latency is the server's, not the queue of 50 clients that
never pause. Target on 2 cores: p99 <= 100 ms."""

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

from bench.server import Server, fresh_postgres, serving
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
PACED_SECONDS = 2.0  # a worker paced as a person: a look at the queue every 2 s (the page polls every 5 s)
# The paced load runs longer: at ~25 requests/s, 30 s give ~750 looks and ~150 claims (10 s gave ~50
# claims, so that their p99 was the slowest one).
PACED_RUN_SECONDS = 30.0
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


async def _login(client: httpx.AsyncClient, number: int) -> None:
    page = (await client.get("/console/login")).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    await client.post(
        "/console/login",
        data={"csrf": token.group(1), "login": f"bench{number}", "password": PASSWORD},
        timeout=180,  # 50 full-strength hashes at once (see _both)
    )


async def _worker(
    client: httpx.AsyncClient, deadline: float, samples: dict[str, list[float]], pause: float = 0.0
) -> int:
    failures = 0
    turn = 0
    await asyncio.sleep(random.uniform(0, pause))  # paced workers start spread out
    while time.perf_counter() < deadline:
        if pause:
            await asyncio.sleep(pause)
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


async def _load(
    server: Server, clients: list[httpx.AsyncClient], seconds: float, pause: float = 0.0
) -> tuple[dict[str, list[float]], int, float | None]:
    """The signed-in workers load the console for `seconds`, each pausing `pause` seconds before each
    look; the server's CPU seconds while they did."""
    samples: dict[str, list[float]] = {"queue": [], "claim": []}
    before = server.cpu_seconds()
    deadline = time.perf_counter() + seconds
    failures = await asyncio.gather(*(_worker(client, deadline, samples, pause) for client in clients))
    after = server.cpu_seconds()
    cpu = after - before if before is not None and after is not None else None
    return samples, sum(failures), cpu


async def _both(server: Server) -> tuple[tuple[dict[str, list[float]], int, float | None], ...]:
    """Every worker signs in once (not measured: the first login also re-hashes the bench's cheap
    password hash at the server's full strength, ~0.4 s of CPU each), then the load without pauses,
    then the paced one, on the same sessions (signing the 50 in again at full strength timed out on a
    busy machine)."""
    # idle connections dropped before the server's keep-alive timeout (5 s) closes them under a request
    limits = httpx.Limits(keepalive_expiry=2.0)
    clients = [httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits) for _ in range(WORKERS)]
    try:
        await asyncio.gather(*(_login(client, number) for number, client in enumerate(clients)))
        return (
            await _load(server, clients, SECONDS),
            await _load(server, clients, PACED_RUN_SECONDS, PACED_SECONDS),
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def _run(data_dir: Path, url: str) -> dict[str, Any]:
    _prepare(data_dir, url)
    with serving(data_dir, url, PORT, 1) as server:
        (samples, failures, cpu_seconds), (paced, paced_failures, _) = asyncio.run(_both(server))
    requests = len(samples["queue"]) + len(samples["claim"])
    cpu_ms = cpu_seconds * 1000 / requests if cpu_seconds is not None and requests else None
    return {
        "queue": latency(samples["queue"]),
        "claim": latency(samples["claim"]),
        "requests": requests,
        "failures": failures,
        "seconds": SECONDS,
        "cpu_ms": cpu_ms,
        "paced_queue": latency(paced["queue"]),
        "paced_claim": latency(paced["claim"]),
        "paced_requests": len(paced["queue"]) + len(paced["claim"]),
        "paced_claims": len(paced["claim"]),
        "paced_failures": paced_failures,
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
    cpu_ms = result["cpu_ms"]
    cpu = (
        "not measured (no /proc)"
        if cpu_ms is None
        else (f"{cpu_ms:.2f} ms = {cpu_ms / queue.reference_ms:.2f}x the reference workload")
    )
    rate = result["requests"] / result["seconds"]
    paced: Latency = result["paced_queue"]
    paced_claim: Latency = result["paced_claim"]
    return "\n".join(
        [
            queue.line(
                f"console queue page, {where}, no pause between requests; "
                f"{result['failures']} failed of {result['requests']} ({rate:.0f}/s)"
            ),
            claim.line(f"console claim (through the conversation core), {where}, no pause"),
            f"  server CPU per request (queue pages and claims): {cpu}",
            paced.line(
                f"console queue page, the 50 workers each looking every {PACED_SECONDS:.0f} s; "
                f"{result['paced_failures']} failed of {result['paced_requests']}"
            ),
            paced_claim.line(
                f"console claim, the 50 workers each looking every {PACED_SECONDS:.0f} s "
                f"({result['paced_claims']} claims in {PACED_RUN_SECONDS:.0f} s)"
            ),
        ]
    )


if __name__ == "__main__":
    print(report(evaluate(Settings().ensure_data_dir().resolve())))
