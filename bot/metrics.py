"""Prometheus metrics, counted in one place: every channel's turns go through `take_turn`
(bot/server/channel.py), which calls `observe_turn`; every message understood is counted by intent
by the App's parser (`CountingParser`, installed by bot/app.py); the hotline API counts its
questions here too. Labels never hold a message, a user or a key: only channels, intents, reasons
and outcomes. /metrics itself is bot/server/metrics.py.

With several server processes each process counts its own; set PROMETHEUS_MULTIPROC_DIR (an empty
folder, the same for every process) and /metrics adds them up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from dialogues.effect import Effect, OpenHandoff, RecordGap
from nlu.result import Parse, Parser
from reminders.status import read_status

LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)

TURNS = Counter("tongxing_turns", "Turns taken, by channel", ["channel"])
TURN_SECONDS = Histogram(
    "tongxing_turn_seconds", "Time of one turn (parse, engine, storage)", ["channel"], buckets=LATENCY_BUCKETS
)
INTENTS = Counter("tongxing_intents", "Messages understood, by intent", ["intent"])
FALLBACKS = Counter("tongxing_fallbacks", "Questions the knowledge base could not answer", ["channel"])
HANDOFFS = Counter("tongxing_handoffs", "Conversations handed to a person", ["channel", "reason"])
CRISES = Counter("tongxing_crisis_flags", "Messages flagged as a crisis by the hotline API", ["channel"])
CHANNEL_ERRORS = Counter("tongxing_channel_errors", "Failures inside a channel", ["channel", "kind"])
API_SECONDS = Histogram(
    "tongxing_api_seconds", "Time of one hotline API request", ["route"], buckets=LATENCY_BUCKETS
)
API_REQUESTS = Counter(
    "tongxing_api_requests", "Hotline API requests, by route and status", ["route", "status"]
)


def observe_turn(channel: str, effects: Sequence[Effect], seconds: float) -> None:
    TURNS.labels(channel).inc()
    TURN_SECONDS.labels(channel).observe(seconds)
    for effect in effects:
        if isinstance(effect, RecordGap):
            FALLBACKS.labels(channel).inc()
        elif isinstance(effect, OpenHandoff):
            HANDOFFS.labels(channel, effect.reason).inc()


def count_error(channel: str, kind: str) -> None:
    """A channel's own failure (a platform call that failed, a turn that raised)."""
    CHANNEL_ERRORS.labels(channel, kind).inc()


class CountingParser:
    """A parser that counts the intent of every message it understands (chat and hotline alike)."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser

    def parse(self, text: str, today: date | None = None) -> Parse:
        parse = self.parser.parse(text, today)
        INTENTS.labels(parse.intent).inc()
        return parse

    @property
    def recommended_threshold(self) -> float:
        return self.parser.recommended_threshold


class ReminderCollector(Collector):
    """The reminder table's numbers, read from the database at each scrape (the same for every
    process: they are gauges of shared rows, not per-process counters)."""

    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.now = now

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        try:
            with self.sessions() as session:
                status = read_status(session, now)
        except Exception as error:  # a database away must not take /metrics down with it
            count_error("reminders", f"status_{error.__class__.__name__}")
            return
        labels = ["status", "channel", "kind"]
        rows = GaugeMetricFamily("tongxing_reminders", "Reminders by status, channel and kind", labels=labels)
        for state, channel, kind, count in status.counts:
            rows.add_metric([state, channel, kind], count)
        yield rows
        yield GaugeMetricFamily("tongxing_reminders_due_now", "Reminders due and not yet out", status.due_now)
        yield GaugeMetricFamily(
            "tongxing_reminders_oldest_waiting_seconds",
            "How long the oldest reminder still not out has been due",
            status.waiting_seconds(now),
        )


_WATCHED: list[Collector] = []  # the reminder collector of this process (one: the last App started)


def unwatch_reminders() -> None:
    while _WATCHED:
        REGISTRY.unregister(_WATCHED.pop())


def watch_reminders(sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
    """Put the reminder table's numbers on /metrics (until `unwatch_reminders`)."""
    unwatch_reminders()
    collector = ReminderCollector(sessions, now)
    REGISTRY.register(collector)
    _WATCHED.append(collector)


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in _WATCHED:
            registry.register(collector)
        return bytes(generate_latest(registry))
    return bytes(generate_latest(REGISTRY))
