"""The reports at scale (issue 15): every report over a logged month of turns on PostgreSQL, each in
under 2 s. The turns are bulk-inserted (COPY) straight into the turn log, with the ratings, the
questions without an answer (scrubbed and grouped by the scheduled refresh, timed too) and the
handoff tickets that go with them; the scheduler's work is timed (the scrubbing, the daily rollup, the
stored summaries); then each report of the province, a city and a district is served for the last 90
days (five times, median and worst) and built live for a first day no summary covers, before the first
turn (the worst case: no row is left out by the date; three times); demand and uptake of the province
and the city are also built from the log once, as they were before the rollup.

Defaults are small (100,000 turns); `--full` logs the issue's 1,000,000. Times are printed with their
ratio to the reference workload (bench/timing.py), as the other benches print theirs."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.reminders import _fresh_database
from bench.timing import reference_ms
from bot import database
from bot.app import load_data
from bot.reports import REPORTS, Inputs, Scope, build_report, rollup
from bot.reports.refresh import refresh
from bot.reports.summary import WINDOWS, read_report, summarise
from core.database import make_engine, make_sessions
from core.settings import Settings

TARGET_S = 2.0
ROLLED_UP = frozenset({"demand", "uptake"})  # the reports that read the daily rollup
DAYS = 60
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
GAP_WORDS = (
    "孩子学钢琴有补贴吗",
    "孩子想学游泳政府有补贴吗",
    "暑假托管去哪里",
    "我叫王小明，电话13812345678，孩子转学要什么",
    "离婚后孩子户口怎么办",
    "租房合同没有备案能办居住证吗",
)
TURN_COLUMNS = (
    "at, day, channel, family, intent, topic, service, after_service, flow, step, finished, "
    "province, city, district, handoff, gap, question"
)


def _places(data: Any) -> list[tuple[str, str, str]]:
    """(province, city, district) of every district of the lexicon in a province the base covers."""
    provinces = set(data.knowledge.provinces)
    return sorted(
        {
            (place.province, place.city, place.id)
            for place in data.lexicon.places
            if place.kind == "district" and place.province in provinces and place.city
        }
    )


def _turns(count: int, data: Any, rng: random.Random) -> Iterator[tuple[object, ...]]:
    places = _places(data)
    services = [(item.id, item.topic) for item in data.knowledge.items if item.layer != "national"]
    flows = {flow.id: [step.id for step in flow.steps] for flow in data.flows.flows.values()}
    families = max(100, count // 20)
    for _ in range(count):
        family = rng.randrange(families)
        province, city, district = places[family % len(places)]
        at = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
        service, topic = rng.choice(services)
        kind = rng.random()
        flow = step = None
        finished = question = handoff = gap = False
        answered: str | None = None
        if kind < 0.45:
            question, answered = True, service
        elif kind < 0.5:
            question, gap, topic = True, True, None
        elif kind < 0.75:
            flow = rng.choice(list(flows))
            steps = flows[flow]
            position = rng.randrange(len(steps) + 1)
            finished = position == len(steps)
            step = None if finished else steps[position]
        elif kind < 0.76:
            handoff = True
        yield (
            at,
            (at + timedelta(hours=8)).date(),
            rng.choice(("telegram", "wechat", "webchat")),
            f"{family:032x}",
            "ask_entitlement" if question else None,
            topic if question else None,
            answered,
            service if handoff else None,
            flow,
            step,
            finished,
            province,
            city,
            district,
            handoff,
            gap,
            question,
        )


def _copy(url: str, table: str, columns: str, rows: Iterator[tuple[object, ...]]) -> None:
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def _log(url: str, turns: int, data: Any) -> float:
    """Bulk-insert the turns and what goes with them; returns the seconds taken."""
    rng = random.Random(15)
    start = time.perf_counter()
    _copy(url, "turn_log", TURN_COLUMNS, _turns(turns, data, rng))
    places = _places(data)
    services = [item.id for item in data.knowledge.items if item.layer != "national"]
    families = max(100, turns // 20)

    def place(family: int) -> tuple[str, str, str]:
        return places[family % len(places)]

    def feedback() -> Iterator[tuple[object, ...]]:
        for _ in range(turns // 50):
            family = rng.randrange(families)
            at = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
            rating = rng.choice(("helpful", "helpful", "not_helpful", "human"))
            yield (at, at.date(), "telegram", f"{family:032x}", rng.choice(services), rating, *place(family))

    _copy(
        url,
        "answer_feedback",
        "at, day, channel, family, service, rating, province, city, district",
        feedback(),
    )

    def gaps() -> Iterator[tuple[object, ...]]:
        for _ in range(turns // 100):
            family = rng.randrange(families)
            at = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
            yield (rng.choice(GAP_WORDS), "telegram", *place(family), at, f"{family:032x}")

    _copy(url, "unanswered_question", "text, channel, province, city, district, created_at, family", gaps())

    def tickets() -> Iterator[tuple[object, ...]]:
        for n in range(turns // 100):
            family = rng.randrange(families)
            at = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
            claimed = at + timedelta(minutes=rng.randrange(5, 240)) if n % 4 else None
            outcome = rng.choice(("resolved", "referred", "no_response")) if claimed and n % 3 else None
            status = "closed" if outcome else ("assigned" if claimed else "open")
            urgency = "urgent" if n % 10 == 0 else "normal"
            yield (
                f"telegram:{family}",
                "requested",
                urgency,
                status,
                *place(family),
                b"x",
                at,
                claimed,
                outcome,
            )

    _copy(
        url,
        "handoff_ticket",
        "user_key, reason, urgency, status, province, city, district, summary, created_at, claimed_at, "
        "outcome",
        tickets(),
    )
    engine = make_engine(url)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - start


def _timed(build: Callable[[], object], repeats: int = 5) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), max(samples)


def run(full: bool = False) -> list[str]:
    turns = 1_000_000 if full else 100_000
    url, drop = _fresh_database()
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    if not url.startswith("postgresql"):
        say("reports: PostgreSQL is not answering; the reports bench needs it (COPY)")
        return lines
    try:
        engine = make_engine(url)
        database.upgrade(engine)
        engine.dispose()
        settings = Settings()
        data = load_data(settings)
        seconds = _log(url, turns, data)
        say(
            f"reports: {turns:,} turns logged over {DAYS} days (COPY, with ratings, gaps, tickets) "
            f"in {seconds:.1f} s"
        )
        sessions = make_sessions(make_engine(url))
        start = time.perf_counter()
        refreshed = refresh(sessions, data.tokenizer, data.lexicon, NOW)
        say(
            f"reports: the scheduled refresh scrubbed and tokenised {refreshed:,} questions "
            f"in {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        rolled = rollup.rebuild(sessions, NOW)
        say(
            f"reports: the scheduled daily rollup of the turn log ({rolled:,} rows) rebuilt "
            f"in {time.perf_counter() - start:.1f} s"
        )
        inputs = Inputs(kb=data.knowledge, lexicon=data.lexicon)
        start = time.perf_counter()
        summaries = summarise(sessions, inputs, NOW)
        say(
            f"reports: the scheduled summaries ({summaries} reports: the provinces and their cities, "
            f"the last {' and '.join(map(str, WINDOWS))} days) built in {time.perf_counter() - start:.1f} s"
        )
        reference = reference_ms()
        today = NOW.astimezone(inputs.zone).date()
        since = today - timedelta(days=WINDOWS[-1])
        # a first day no summary covers (and before the first turn: the whole log, the worst case)
        arbitrary = today - timedelta(days=DAYS + 1)
        worst = 0.0
        for scope in (Scope("fujian"), Scope("fujian", "xiamen"), Scope("fujian", "xiamen", "siming")):
            for name in sorted(REPORTS):
                with sessions() as session:

                    def served(name: str = name, scope: Scope = scope, session: Any = session) -> object:
                        return read_report(session, name, scope, since, NOW, inputs)

                    def live(name: str = name, scope: Scope = scope, session: Any = session) -> object:
                        return read_report(session, name, scope, arbitrary, NOW, inputs)

                    median, slowest = _timed(served)
                    live_median, live_slowest = _timed(live, repeats=3)
                    logged = ""
                    if name in ROLLED_UP and scope.district is None:

                        def from_log(
                            name: str = name, scope: Scope = scope, session: Any = session
                        ) -> object:
                            return build_report(
                                name, session, scope, arbitrary, NOW, replace(inputs, rollup=False)
                            )

                        log_median, _ = _timed(from_log, repeats=1)
                        logged = f"; from the log {log_median * 1000:7.1f} ms"
                worst = max(worst, slowest, live_slowest)
                say(
                    f"reports: {name:8s} {scope.label():22s} served {median * 1000:7.1f} ms (worst "
                    f"{slowest * 1000:7.1f} ms, {median * 1000 / reference:.1f}x the reference workload of "
                    f"{reference:.2f} ms); built live since {arbitrary} {live_median * 1000:7.1f} ms (worst "
                    f"{live_slowest * 1000:7.1f} ms, {live_median * 1000 / reference:.1f}x){logged}"
                )
        verdict = "met" if worst < TARGET_S else "NOT met"
        say(
            f"reports: every report over {turns:,} turns in under {TARGET_S:.0f} s, served and built live "
            f"for a first day no summary covers: {verdict} (worst {worst:.2f} s; the province and its cities "
            "from the hourly summaries or the daily rollup, districts from the log)"
        )
    finally:
        drop()  # type: ignore[operator]
    return lines
