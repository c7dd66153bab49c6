"""Replayed WeChat requests are refused: a timestamp more than five minutes from now, or a
(timestamp, nonce) pair already seen.

The memory of nonces is per process and bounded: pairs older than the allowed age are forgotten
(their timestamp alone refuses them then), and past `capacity` the oldest go first. With several
server processes a replay may reach another process once; the conversation core still answers a
redelivered message id once (Inbound.message_id), so a replay can repeat no turn.
The check runs only after the signature is verified, so unsigned requests cannot fill the memory."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from core.clock import Clock

MAX_AGE = timedelta(minutes=5)
CAPACITY = 10_000


class ReplayGuard:
    def __init__(self, clock: Clock, max_age: timedelta = MAX_AGE, capacity: int = CAPACITY) -> None:
        self.clock = clock
        self.max_age = max_age.total_seconds()
        self.capacity = capacity
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()

    def fresh(self, timestamp: str, nonce: str) -> bool:
        """True the first time a recent (timestamp, nonce) is offered; remembers it."""
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12 or len(nonce) > 64:
            return False
        now = self.clock.now().timestamp()
        stamp = int(timestamp)
        if abs(now - stamp) > self.max_age:
            return False
        self._forget_before(now - self.max_age)
        key = (stamp, nonce)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def _forget_before(self, oldest: float) -> None:
        # Pairs arrive roughly in time order: drop expired ones from the front.
        while self._seen:
            stamp, _ = next(iter(self._seen))
            if stamp >= oldest:
                break
            self._seen.popitem(last=False)
