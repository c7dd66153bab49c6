"""A reminder cancelled while it is claimed (a re-plan, a stop, withdrawn consent while a dispatcher or a
parent's turn holds the row), on SQLite and PostgreSQL: it is left to its holder, and when the claim
ends without a send (deferred, failed with a retry, not said, waiting for the window, given back, its
lease expired) it is cancelled, never pending again and never sent later; a send that did happen is
marked sent; a re-plan that gives the reminder again keeps it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from reminders.dispatcher import Dispatcher, Policy, TickReport
from reminders.notifier import DeliveryResult, Reminder
from reminders.quiet import QuietHours
from reminders.store import (
    ReminderRow,
    cancel,
    claim_waiting,
    mark_delivered,
    plan_again,
    release_claimed,
    replace_planned,
    upcoming,
)
from tests.reminders.fixtures import (
    NOON_SHANGHAI,
    Clock,
    Recording,
    migrated_sessions,
    plan_all,
    reminder,
    rows,
)

NO_QUIET = QuietHours.parse("00:00-00:00")
RETRY = DeliveryResult.failed("timeout")


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    yield from migrated_sessions(database_url)


def _replace(sessions: sessionmaker[Session], doses: list[int], user: str = "u1") -> int:
    with transaction(sessions) as session:
        return replace_planned(
            session, f"test:{user}", "vaccine", "c1", [reminder(user, dose=d) for d in doses], NOON_SHANGHAI
        )


class ActsMidSend(Recording):
    """A notifier that runs `act` while it holds the first reminder, then answers `answer`."""

    def __init__(self, act: Callable[[], object], answer: DeliveryResult | None = None) -> None:
        super().__init__(answer)
        self.act = act

    def deliver(self, reminder: Reminder) -> DeliveryResult:
        if not self.delivered:
            self.act()
        return super().deliver(reminder)


def _dispatcher(
    sessions: sessionmaker[Session], notifier: Recording, clock: Clock, quiet: QuietHours = NO_QUIET
) -> Dispatcher:
    return Dispatcher(sessions, notifier, clock, quiet=quiet)


def _only(sessions: sessionmaker[Session]) -> ReminderRow:
    [row] = rows(sessions)
    return row


def _never_sent_later(sessions: sessionmaker[Session], clock: Clock) -> None:
    """Days later, nothing is due any more and nothing goes out."""
    later = Recording()
    for _ in range(3):
        clock.advance(days=3)
        _dispatcher(sessions, later, clock).tick()
    assert later.delivered == []


@pytest.mark.parametrize(
    "answer",
    [RETRY, DeliveryResult("not_now", "a worker owns the conversation"), DeliveryResult("deferred_window")],
    ids=["failed, to retry", "not now", "waiting for the window"],
)
def test_a_row_replanned_away_while_claimed_and_not_sent_is_cancelled(
    sessions: sessionmaker[Session], answer: DeliveryResult
) -> None:
    """The dispatcher holds dose 1 when the parent says it was given (a re-plan without it); the
    channel does not take it: the row is cancelled with the re-plan's reason, never sent later."""
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    counted: list[int] = []
    notifier = ActsMidSend(lambda: counted.append(_replace(sessions, [])), answer)
    _dispatcher(sessions, notifier, clock).tick()
    assert counted == [1]  # marked: counted with the cancelled rows
    row = _only(sessions)
    assert (row.status, row.last_error, row.next_attempt_at) == ("cancelled", "re-planned", None)
    assert row.cancelled_while_claimed is None and row.claimed_by is None
    _never_sent_later(sessions, clock)


def test_a_row_replanned_away_while_claimed_then_deferred_by_quiet_hours_is_cancelled(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)

    class ReplansAtQuietHours(QuietHours):  # the re-plan lands between the claim and the mark
        def next_allowed(self, now, zone):  # type: ignore[no-untyped-def]
            _replace(sessions, [])
            return super().next_allowed(now, zone)

    quiet = ReplansAtQuietHours.parse("11:00-13:00")  # noon in Shanghai: deferred to 13:00
    ticked = Dispatcher(sessions, Recording(), clock, quiet=quiet).tick()
    assert ticked.outcomes == {"deferred": 1}  # what the dispatcher decided ...
    assert _only(sessions).status == "cancelled"  # ... and what the row became
    _never_sent_later(sessions, clock)


def test_a_row_replanned_away_while_claimed_and_sent_is_marked_sent(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)
    notifier = ActsMidSend(lambda: _replace(sessions, []))
    _dispatcher(sessions, notifier, Clock(NOON_SHANGHAI)).tick()
    row = _only(sessions)
    assert len(notifier.delivered) == 1
    assert (row.status, row.cancelled_while_claimed) == ("sent", None) and row.sent_at is not None


def test_a_replan_that_gives_the_reminder_again_keeps_the_claimed_row(
    sessions: sessionmaker[Session],
) -> None:
    """Dropped by one re-plan, given again by the next while still claimed: the mark is cleared and
    the dispatcher's retry stands (deferred, then sent once)."""
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    notifier = ActsMidSend(lambda: (_replace(sessions, []), _replace(sessions, [1])), RETRY)
    _dispatcher(sessions, notifier, clock).tick()
    row = _only(sessions)
    assert (row.status, row.cancelled_while_claimed, row.attempts) == ("deferred", None, 1)
    clock.advance(hours=1)
    sends = Recording()
    _dispatcher(sessions, sends, clock).tick()
    assert len(sends.delivered) == 1 and _only(sessions).status == "sent"


def test_a_replan_that_keeps_the_key_never_marks_the_claimed_row(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder(dose=1), reminder(dose=2)], NOON_SHANGHAI)
    notifier = ActsMidSend(lambda: _replace(sessions, [1, 2]), RETRY)
    _dispatcher(sessions, notifier, Clock(NOON_SHANGHAI)).tick()
    assert [(row.status, row.cancelled_while_claimed) for row in rows(sessions)] == [("deferred", None)] * 2


def test_a_cancel_while_claimed_then_a_retry_cancels_and_a_resume_brings_it_back_once(
    sessions: sessionmaker[Session],
) -> None:
    """The parent stops vaccine reminders while one is in flight and the channel fails: the row is
    cancelled (not retried). Resumed later (a re-plan giving it again), it comes back and goes out once."""
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)

    def stop() -> None:
        with transaction(sessions) as session:
            assert cancel(session, "test:u1", NOON_SHANGHAI, kind="vaccine", reason="stopped") == 1
            assert upcoming(session, "test:u1") == []  # already gone from the parent's list

    _dispatcher(sessions, ActsMidSend(stop, RETRY), clock).tick()
    assert (_only(sessions).status, _only(sessions).last_error) == ("cancelled", "stopped")
    clock.advance(hours=2)
    _never_sent_later(sessions, Clock(clock.at))
    _replace(sessions, [1])
    sends = Recording()
    _dispatcher(sessions, sends, clock).tick()
    assert len(sends.delivered) == 1 and _only(sessions).status == "sent"


def test_a_cancel_while_claimed_and_sent_is_marked_sent_so_a_resume_never_sends_it_twice(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)

    def stop() -> None:
        with transaction(sessions) as session:
            cancel(session, "test:u1", NOON_SHANGHAI, reason="stopped")

    clock = Clock(NOON_SHANGHAI)
    notifier = ActsMidSend(stop)
    _dispatcher(sessions, notifier, clock).tick()
    assert _only(sessions).status == "sent"  # what the parent received
    with transaction(sessions) as session:
        plan_again(session, [reminder(dose=1)], NOON_SHANGHAI)  # a resume: sent rows stay sent
    clock.advance(minutes=5)
    _dispatcher(sessions, notifier, clock).tick()
    assert len(notifier.delivered) == 1 and _only(sessions).status == "sent"


def test_rows_given_back_by_a_stopping_dispatcher_are_cancelled_if_replanned_away(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1), reminder(dose=2), reminder(dose=3)], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    dispatcher: Dispatcher

    def replan_and_stop() -> None:
        _replace(sessions, [3])  # doses 1 and 2 dropped: 1 is in the channel's hands, 2 not started
        dispatcher.stop()

    notifier = ActsMidSend(replan_and_stop)
    dispatcher = _dispatcher(sessions, notifier, clock)
    dispatcher.tick()
    assert len(notifier.delivered) == 1  # dose 1; then the rest is given back
    assert [row.status for row in rows(sessions)] == ["sent", "cancelled", "planned"]
    assert rows(sessions)[1].last_error == "re-planned"


def test_an_expired_lease_of_a_replanned_away_row_is_not_sent_again(sessions: sessionmaker[Session]) -> None:
    """A dispatcher dies holding the row; the row is re-planned away; the lease expires: the next
    dispatcher cancels it rather than sending it (on a channel that drops repeats; on one that cannot,
    it is `unknown` as before: it may have gone out)."""
    plan_all(sessions, [reminder("u1"), reminder("u2")], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    Dispatcher(sessions, Recording(), clock, policy=Policy(lease=timedelta(seconds=30))).claim(TickReport())
    _replace(sessions, [], user="u1")
    _replace(sessions, [], user="u2")
    assert [row.status for row in rows(sessions)] == ["claimed", "claimed"]
    clock.advance(seconds=31)
    with transaction(sessions) as session:  # u2's row: a channel that cannot drop a repeat
        session.execute(update(ReminderRow).where(ReminderRow.user_key == "test:u2").values(channel="plain"))

    class Mixed(Recording):
        def supports_idempotency(self, channel: str) -> bool:
            return channel != "plain"

    mixed = Mixed()
    report = _dispatcher(sessions, mixed, clock).tick()
    assert report.claimed == 0 and report.unknown == 1 and mixed.delivered == []
    assert [(row.status, row.cancelled_while_claimed) for row in rows(sessions)] == [
        ("cancelled", None),
        ("unknown", None),
    ]
    assert rows(sessions)[0].last_error == "re-planned"
    _never_sent_later(sessions, clock)


def test_rows_a_parents_turn_claimed_and_released_are_cancelled_if_replanned_away(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1), reminder(dose=2), reminder(dose=3)], NOON_SHANGHAI)
    with transaction(sessions) as session:
        session.execute(update(ReminderRow).values(status="waiting_window", next_attempt_at=None))
    now = NOON_SHANGHAI
    with transaction(sessions) as session:
        claimed = [row.id for row in claim_waiting(session, "test:u1", now, "turn-1", timedelta(seconds=60))]
    assert len(claimed) == 3
    _replace(sessions, [3])  # doses 1 and 2 given meanwhile
    with transaction(sessions) as session:
        assert mark_delivered(session, claimed[:1], "turn-1", now) == 1  # dose 1 was said
        assert release_claimed(session, claimed[1:], "turn-1", now + timedelta(hours=6), now, "not said") == 2
    assert [(row.status, row.last_error) for row in rows(sessions)] == [
        ("sent", None),
        ("cancelled", "re-planned"),
        ("deferred", "not said"),
    ]
    assert all(row.cancelled_while_claimed is None for row in rows(sessions))


def test_a_replan_racing_the_dispatchers_marks_leaves_nothing_superseded_pending(
    sessions: sessionmaker[Session],
) -> None:
    """A dispatcher thread defers every row (the channel fails) while another thread re-plans them all
    away, in a random order: every row ends cancelled, whichever of the two got there first (on
    PostgreSQL the two really run at once; SQLite serialises them)."""
    users = [f"u{n}" for n in range(120)]
    plan_all(sessions, [reminder(user) for user in users], NOON_SHANGHAI)
    clock = Clock(NOON_SHANGHAI)
    policy = Policy(batch_size=30, mark_every=5)

    class SlowFailing(Recording):  # a little latency, so that the two threads overlap
        def deliver(self, reminder: Reminder) -> DeliveryResult:
            time.sleep(0.002)
            return super().deliver(reminder)

    dispatcher = Dispatcher(sessions, SlowFailing(RETRY), clock, quiet=NO_QUIET, policy=policy)
    errors: list[BaseException] = []

    def replan_all() -> None:
        try:
            for user in random.Random(7).sample(users, len(users)):
                _replace(sessions, [], user=user)
        except BaseException as error:
            errors.append(error)

    replanner = threading.Thread(target=replan_all)
    replanner.start()
    dispatcher.tick()
    replanner.join()
    assert errors == []
    assert {row.status for row in rows(sessions)} == {"cancelled"}
    assert all(row.cancelled_while_claimed is None for row in rows(sessions))
    _never_sent_later(sessions, clock)
