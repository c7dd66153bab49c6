"""One full turn (parse + engine + encrypted state write) on the embedded SQLite default:
p50/p99 latency in one process, and turns per second with two processes on the 2 cores."""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.timing import latency
from bot import database
from bot.app import App, build_app
from core.database import make_engine
from core.message import Inbound
from core.settings import Settings

MESSAGES = (
    "你好",
    "孩子5岁 想上幼儿园 外地户口能上公办的吗",
    "厦门湖里",
    "暂住证怎么办 要带什么",
    "娃刚满月 在哪打预防针",
    "低保咋申请 户口在老家",
    "帮我给孩子办医保",
    "同意",
    "6",
    "是",
    "不是",
    "/mydata",
)


def _app(data_dir: Path, database_file: Path) -> App:
    """The whole application on the bench's own database (migrated by `evaluate` first); the NLU
    model must be installed in data_dir (`make bench` depends on `make install`)."""
    return build_app(Settings(data_dir=data_dir, database_url=f"sqlite:///{database_file}"))


def _migrate(database_file: Path) -> None:
    engine = make_engine(f"sqlite:///{database_file}")
    database.upgrade(engine)
    engine.dispose()


def _run(data_dir: str, database_file: str, users: range, rounds: int) -> list[float]:
    app = _app(Path(data_dir), Path(database_file))
    samples: list[float] = []
    for _ in range(rounds):
        for user in users:
            for text in MESSAGES:
                start = time.perf_counter()
                app.conversations.handle(Inbound(user_id=f"u{user}", channel="bench", text=text))
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def _worker(args: tuple[str, str, range, int, float]) -> tuple[int, float]:
    """Load, wait for the common start, run; return (turns, finish time)."""
    data_dir, database_file, users, rounds, start_at = args
    app = _app(Path(data_dir), Path(database_file))
    app.conversations.handle(Inbound(user_id="warm", channel="bench", text="你好"))
    time.sleep(max(0.0, start_at - time.time()))
    count = 0
    for _ in range(rounds):
        for user in users:
            for text in MESSAGES:
                app.conversations.handle(Inbound(user_id=f"u{user}", channel="bench", text=text))
                count += 1
    return count, time.time()


def evaluate(data_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        database_file = str(Path(scratch) / "bench.db")
        _migrate(Path(database_file))
        _run(str(data_dir), database_file, range(1), 1)  # warm: model load
        samples = _run(str(data_dir), database_file, range(10), 3)
        spawn = multiprocessing.get_context("spawn")
        start_at = time.time() + 15  # both workers load first, then start together
        with spawn.Pool(2) as pool:
            results = pool.map(
                _worker,
                [
                    (str(data_dir), database_file, range(300, 310), 2, start_at),
                    (str(data_dir), database_file, range(400, 410), 2, start_at),
                ],
            )
        elapsed = max(finish for _, finish in results) - start_at
    return {
        "latency": latency(samples),
        "turns": len(samples),
        "parallel_turns": sum(count for count, _ in results),
        "parallel_seconds": elapsed,
    }


def report(result: dict[str, Any]) -> str:
    per_second = result["parallel_turns"] / result["parallel_seconds"]
    return "\n".join(
        [
            result["latency"].line(f"full turn on SQLite ({result['turns']} turns, target p99 <= 15 ms)"),
            f"throughput, 2 processes on one SQLite file: {per_second:.0f} turns/s "
            f"({result['parallel_turns']} turns in {result['parallel_seconds']:.1f} s after both had loaded)",
        ]
    )
