"""The dispatcher on SQLite: what is due goes out once, failures are retried then given up visibly,
quiet hours defer, a blocked bot cancels, an expired lease is reclaimed by the rule for crashes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from reminders.dispatcher import Dispatcher, Policy, TickReport
from reminders.notifier import DeliveryResult
from reminders.quiet import QuietHours
from reminders.ratelimit import RateLimits, TokenBucket
from tests.reminders.fixtures import (
    NOON_SHANGHAI,
    Clock,
    Recording,
    migrated_sessions,
    plan_all,
    reminder,
    rows,
    sqlite_url,
    statuses,
)

QUIET = QuietHours.parse("21:00-08:00")


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    yield from migrated_sessions(sqlite_url(tmp_path))


def dispatcher(
    sessions: sessionmaker[Session], notifier: Recording, clock: Clock, **policy: object
) -> Dispatcher:
    return Dispatcher(sessions, notifier, clock, quiet=QUIET, policy=Policy(**policy))  # type: ignore[arg-type]


def test_what_is_due_is_sent_once_and_what_is_not_due_waits(sessions: sessionmaker[Session]) -> None:
    tomorrow = NOON_SHANGHAI + timedelta(days=1)
    planned = [*(reminder(dose=d) for d in range(1, 6)), reminder(dose=9, send_at=tomorrow)]
    plan_all(sessions, planned, NOON_SHANGHAI)
    notifier, clock = Recording(), Clock(NOON_SHANGHAI)
    report = dispatcher(sessions, notifier, clock, batch_size=2).tick()
    assert report.claimed == 5 and report.outcomes == {"sent": 5}
    assert dispatcher(sessions, notifier, clock).tick().claimed == 0  # nothing is sent twice
    assert len(notifier.delivered) == 5
    assert statuses(sessions) == ["sent"] * 5 + ["planned"]
    assert notifier.delivered[0].idempotency_key == rows(sessions)[0].idempotency_key


def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(sessions: sessionmaker[Session]) -> None:
    evening = NOON_SHANGHAI + timedelta(hours=9, minutes=30)  # 21:30 in Shanghai
    due_tomorrow = evening.date() + timedelta(days=1)  # a reminder the evening before
    plan_all(sessions, [reminder(send_at=evening, due=due_tomorrow)], NOON_SHANGHAI)
    notifier, clock = Recording(), Clock(evening)
    dispatcher(sessions, notifier, clock).tick()
    assert notifier.delivered == [] and statuses(sessions) == ["deferred"]
    morning = rows(sessions)[0].next_attempt_at
    assert morning is not None and (morning.hour, morning.minute) == (0, 0)  # 08:00 in Shanghai is 00:00 UTC
    clock.at = evening + timedelta(hours=10, minutes=30)
    dispatcher(sessions, notifier, clock).tick()
    assert len(notifier.delivered) == 1 and statuses(sessions) == ["sent"]


def test_failures_back_off_then_are_given_up_visibly(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    notifier, clock = Recording(DeliveryResult.failed("timeout")), Clock(NOON_SHANGHAI)
    waits = []
    for _ in range(3):
        dispatcher(sessions, notifier, clock, max_attempts=3, backoff_base=60).tick()
        row = rows(sessions)[0]
        if row.next_attempt_at is not None:
            waits.append((row.next_attempt_at.replace(tzinfo=None) - clock.at.replace(tzinfo=None)).seconds)
            clock.at = row.next_attempt_at.replace(tzinfo=clock.at.tzinfo)
    row = rows(sessions)[0]
    assert waits == [60, 120]  # exponential
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "timeout")
    assert len(notifier.delivered) == 3


def test_a_platforms_retry_after_is_respected(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    notifier, clock = Recording(DeliveryResult.failed("429", retry_after=900)), Clock(NOON_SHANGHAI)
    dispatcher(sessions, notifier, clock).tick()
    wait = rows(sessions)[0].next_attempt_at
    assert wait is not None
    assert wait.replace(tzinfo=None) - clock.at.replace(tzinfo=None) == timedelta(seconds=900)


def test_a_blocked_bot_cancels_everything_pending_for_that_parent(sessions: sessionmaker[Session]) -> None:
    later = NOON_SHANGHAI + timedelta(days=40)
    plan_all(sessions, [reminder(), reminder(dose=2, send_at=later), reminder("u2")], NOON_SHANGHAI)
    notifier = Recording(DeliveryResult("blocked", "bot blocked"))
    dispatcher(sessions, notifier, Clock(NOON_SHANGHAI)).tick()
    assert statuses(sessions) == ["cancelled", "cancelled", "cancelled"]
    assert [row.user_key for row in rows(sessions)] == ["test:u1", "test:u1", "test:u2"]


def test_a_channel_that_cannot_reach_the_parent_keeps_the_reminder_waiting(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    notifier = Recording(DeliveryResult("deferred_window", "no push on this channel"))
    dispatcher(sessions, notifier, Clock(NOON_SHANGHAI)).tick()
    row = rows(sessions)[0]
    assert (row.status, row.next_attempt_at) == ("waiting_window", None)
    assert dispatcher(sessions, notifier, Clock(NOON_SHANGHAI + timedelta(days=3))).tick().claimed == 0


def test_a_reminder_the_conversation_did_not_say_is_held_then_dropped_when_stale(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    notifier = Recording(DeliveryResult("not_now", "a worker owns the conversation"))
    clock = Clock(NOON_SHANGHAI)
    dispatcher(sessions, notifier, clock).tick()
    assert statuses(sessions) == ["deferred"]
    clock.advance(days=9)
    dispatcher(sessions, notifier, clock).tick()
    assert statuses(sessions) == ["cancelled"]


def test_an_expired_lease_is_resent_only_to_a_channel_that_drops_repeats(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder("u1"), reminder("u2")], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    dead = dispatcher(sessions, Recording(), clock, lease=timedelta(seconds=30))
    dead.claim(report=TickReport())  # claimed, then "killed"
    assert statuses(sessions) == ["claimed", "claimed"]
    assert dispatcher(sessions, Recording(), clock).tick().claimed == 0  # the lease still holds
    clock.advance(seconds=31)
    plain = Recording(idempotent=False)
    report = dispatcher(sessions, plain, clock).tick()
    assert report.unknown == 2 and plain.delivered == []  # never twice to a channel that cannot dedupe
    assert statuses(sessions) == ["unknown", "unknown"]


def test_an_expired_lease_on_an_idempotent_channel_is_sent(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    dispatcher(sessions, Recording(), clock).claim(TickReport())
    clock.advance(minutes=2)
    notifier = Recording()
    dispatcher(sessions, notifier, clock).tick()
    assert len(notifier.delivered) == 1 and statuses(sessions) == ["sent"]


@pytest.mark.parametrize(
    ("answer", "status"),
    [(DeliveryResult.sent(), "sent"), (DeliveryResult.failed("timeout"), "cancelled")],
    ids=["sent", "to retry"],
)
def test_a_row_cancelled_while_it_was_in_flight_is_marked_sent_if_it_went_out_else_cancelled(
    sessions: sessionmaker[Session], answer: DeliveryResult, status: str
) -> None:
    """What the parent received is the truth; what they did not is never retried (more in
    tests/reminders/test_superseded.py)."""
    plan_all(sessions, [reminder()], NOON_SHANGHAI)

    class CancelsFirst(Recording):
        def deliver(self, item):  # type: ignore[no-untyped-def]
            from core.database import transaction
            from reminders.store import cancel

            with transaction(sessions) as session:  # a stop or withdrawn consent arrives mid-send
                cancel(session, item.user_key, NOON_SHANGHAI)
            return super().deliver(item)

    dispatcher(sessions, CancelsFirst(answer), Clock(NOON_SHANGHAI)).tick()
    assert statuses(sessions) == [status]


def test_a_reminder_sent_after_its_day_is_marked_late(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    notifier = Recording()
    dispatcher(sessions, notifier, Clock(NOON_SHANGHAI + timedelta(days=2))).tick()
    assert notifier.delivered[0].late and statuses(sessions) == ["late"]


def test_the_token_bucket_keeps_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=30, burst=1, clock=lambda: now[0])
    waited = 0.0
    for _ in range(301):
        wait = bucket.wait_time()
        waited += wait
        now[0] += wait
    assert waited == pytest.approx(10.0, rel=1e-6)  # 300 after the first take 10 s at 30/s


def test_rate_limits_sleep_only_for_limited_channels() -> None:
    slept: list[float] = []
    limits = RateLimits({"telegram": 10}, clock=lambda: 0.0, sleep=slept.append)
    limits.acquire("telegram")
    limits.acquire("telegram")
    limits.acquire("web")
    assert slept == [pytest.approx(0.1)]
