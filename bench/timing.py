"""Latency figures that survive a noisy machine: percentiles, plus ratios to a reference
workload timed in the same run (so that two machines' figures can be compared)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[position]


def reference_ms() -> float:
    """The median time of a fixed pure-Python workload (dict and string work, like ours)."""
    samples = []
    for _ in range(15):
        start = time.perf_counter()
        table: dict[str, int] = {}
        for number in range(20000):
            key = str(number % 997)
            table[key] = table.get(key, 0) + len(key)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    reference_ms: float

    def line(self, label: str) -> str:
        return (
            f"{label}: p50 {self.p50_ms:.3f} ms, p99 {self.p99_ms:.3f} ms "
            f"(p99 = {self.p99_ms / self.reference_ms:.2f}x the reference workload of "
            f"{self.reference_ms:.2f} ms; "
            f"p99/p50 = {self.p99_ms / max(self.p50_ms, 1e-9):.1f})"
        )


def measure(call: Callable[[], object], repeat: int = 1) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def latency(samples: list[float]) -> Latency:
    return Latency(percentile(samples, 0.5), percentile(samples, 0.99), reference_ms())


def write_result(out: Path, result: dict[str, Any]) -> None:
    """A benchmark's figures as JSON (the Latency object as plain milliseconds)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {key: value for key, value in result.items() if key != "latency"}
    payload["latency_ms"] = {"p50": result["latency"].p50_ms, "p99": result["latency"].p99_ms}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
