"""What the dispatcher hands a channel, and what the channel answers. bot/ implements `Notifier` per
channel (bot/reminder_notifier.py), so reminders/ never imports a channel.

Idempotency: every reminder carries its idempotency key. A channel that can drop a repeated send by
that key says so (`supports_idempotency`); only then is a reminder whose dispatcher died between
sending and marking sent again. Otherwise the row is marked "unknown" and reported, never sent twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

Outcome = Literal["sent", "deferred_window", "blocked", "failed", "not_now"]


@dataclass(frozen=True)
class Reminder:
    """One claimed reminder, as the channel sees it (no database row)."""

    id: int
    idempotency_key: str
    user_key: str  # "<channel>:<user id>"
    channel: str
    kind: str
    label_id: str
    params: dict[str, Any]
    due: date
    child_ref: str | None
    attempts: int  # failed attempts so far
    zone: str = "Asia/Shanghai"  # the family's time zone
    late: bool = False  # its day has passed (it waited for a window or a restart)

    @property
    def user_id(self) -> str:
        return self.user_key.split(":", 1)[1] if ":" in self.user_key else self.user_key


@dataclass(frozen=True)
class DeliveryResult:
    """sent; deferred_window (the channel cannot reach the parent now: waits for their next message);
    blocked (the parent blocked the bot or unfollowed: everything pending for them is cancelled);
    failed (try again, after `retry_after` seconds when the platform says so); not_now (the
    conversation said nothing: a worker owns it, consent withdrawn, the child's plans stopped)."""

    outcome: Outcome
    reason: str = ""
    retry_after: float | None = None
    at: datetime | None = field(default=None, compare=False)  # when it went out (sent)

    @classmethod
    def sent(cls) -> DeliveryResult:
        return cls("sent")

    @classmethod
    def failed(cls, reason: str, retry_after: float | None = None) -> DeliveryResult:
        return cls("failed", reason, retry_after)


class Notifier(Protocol):
    def supports_idempotency(self, channel: str) -> bool:
        """Whether this channel drops a second send with the same idempotency key."""

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        """Render and send one reminder (called from the dispatcher's thread; may block)."""
