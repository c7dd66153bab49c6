"""The web chat over HTTP: `POST /chat/api/message` with 50 concurrent clients on loopback, 200
parents (each with a signed session cookie, as the page keeps one) taking turns through the turn
bench's messages, against one `tongxing serve` process on SQLite and one on PostgreSQL (and two
processes on PostgreSQL): capacity, and p50/p99 at the target rate. Every turn locks and stores the
conversation as in production. Target on 2 cores: p99 <= 30 ms at >= 150 turns/s."""

from __future__ import annotations

import json
from pathlib import Path

from bench import load
from bench.server import Measured, measure, on_each_database, serving
from bench.turn import MESSAGES
from bot.app import open_storage
from bot.server.session import COOKIE_NAME, SessionSigner
from core.settings import Settings

TARGET_RATE = 150.0
TARGET_P99_MS = 30.0
PARENTS = 200
# Paced for 15 s: ~2,400 turns, the 200 parents' whole conversation once (a p99 of 2,400 is its 24th
# slowest; 5 s gave 800, so 8 turns made the figure).
PACED_SECONDS = 15.0


def requests(cookies: list[str]) -> list[load.Request]:
    """Parent after parent, each a message further on every round (a parent's turns never overlap
    unless the server is 200 turns behind). Each parent goes through the same conversation from a
    different step (parent p starts at message p mod 12, and goes round): every moment of the load
    mixes the conversation's steps as a day's traffic does, instead of all 200 parents greeting, then
    all asking, then all giving consent (a light and a heavy second alternating with the step)."""
    found = []
    for round_ in range(len(MESSAGES)):
        for number, cookie in enumerate(cookies):
            text = MESSAGES[(round_ + number) % len(MESSAGES)]
            body = json.dumps({"text": text, "message_id": f"c{load.ID_MARK}"}, ensure_ascii=False)
            headers = {"Content-Type": "application/json", "Cookie": f"{COOKIE_NAME}={cookie}"}
            found.append(load.Request("/chat/api/message", headers, body))
    return found


def _cookies(data_dir: Path, url: str) -> list[str]:
    """Session cookies signed as the server signs them (the same data directory, the same key)."""
    storage = open_storage(Settings(data_dir=data_dir, database_url=url))
    signer = SessionSigner(storage.cipher.derive("web chat session"))
    storage.close()
    return [signer.issue().cookie for _ in range(PARENTS)]


def _measure(data_dir: Path, url: str, label: str, port: int, workers: int) -> Measured:
    cookies = _cookies(data_dir, url)
    with serving(data_dir, url, port, workers) as server:
        return measure(
            label,
            server,
            lambda: requests(cookies),
            TARGET_RATE,
            paced_seconds=PACED_SECONDS,
            inside=("tongxing_turn_seconds", "the turn and its wait for a turn thread", TARGET_P99_MS),
        )


def evaluate(data_dir: Path) -> list[Measured]:
    """One process on SQLite; one and two processes on PostgreSQL when it answers."""
    return on_each_database(
        lambda url, label, port, workers: _measure(data_dir, url, label, port, workers), "web-chat turn", 8941
    )


def report(results: list[Measured]) -> str:
    lines = [f"web chat over HTTP ({PARENTS} parents); load by {load.generator()}"]
    for result in results:
        lines += result.lines(TARGET_P99_MS)
    if len(results) == 1:
        lines.append("web-chat turn on PostgreSQL: skipped, no PostgreSQL answers")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate(Settings().ensure_data_dir().resolve())))
