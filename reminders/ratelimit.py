"""A token bucket per channel: at most `rate` sends a second on average, bursts up to `burst`.
Waiting is the caller's (the dispatcher sleeps); the clock is injectable for the tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_RATES = {"telegram": 30.0, "wechat": 30.0}  # messages a second to different users


@dataclass
class TokenBucket:
    rate: float  # tokens a second
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.stamp = self.clock()

    def wait_time(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class RateLimits:
    """Buckets by channel; a channel without a rate is not limited."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.buckets = {name: TokenBucket(rate, 1.0, clock) for name, rate in (rates or {}).items()}
        self.sleep = sleep

    def acquire(self, channel: str) -> float:
        """Wait until `channel` may send one more; returns the seconds waited."""
        bucket = self.buckets.get(channel)
        if bucket is None:
            return 0.0
        wait = bucket.wait_time()
        if wait > 0:
            self.sleep(wait)
        return wait
