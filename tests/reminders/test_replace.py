"""Re-planning one child's reminders of one kind (`replace_planned`: a corrected birth date, a dose
given, a flow finished again with other dates), on SQLite and PostgreSQL. The three rules:
a row a dispatcher holds is left to it (and cancelled when its claim ends unsent: test_superseded.py);
a cancelled reminder planned again comes back; the re-plan covers exactly one child's rows (or, with
no child, the family's own rows) and nobody else's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from reminders.dispatcher import Dispatcher
from reminders.notifier import DeliveryResult, Reminder
from reminders.quiet import QuietHours
from reminders.store import PlannedReminder, ReminderRow, cancel, replace_planned
from tests.reminders.fixtures import (
    NOON_SHANGHAI,
    Clock,
    Recording,
    migrated_sessions,
    plan_all,
    reminder,
    rows,
)

LATER = NOON_SHANGHAI + timedelta(days=30)
NO_QUIET = QuietHours.parse("00:00-00:00")


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    yield from migrated_sessions(database_url)


def _replace(
    sessions: sessionmaker[Session],
    planned: list[PlannedReminder],
    *,
    child: str | None = "c1",
    kind: str = "vaccine",
) -> int:
    with transaction(sessions) as session:
        return replace_planned(session, "test:u1", kind, child, planned, NOON_SHANGHAI)


def _by_dose(sessions: sessionmaker[Session]) -> dict[tuple[str | None, int], ReminderRow]:
    return {
        (row.child_ref, int(row.params.split('"dose": ')[1].split(",")[0])): row for row in rows(sessions)
    }


def test_a_replan_cancels_what_is_pending_and_no_longer_planned_and_moves_the_rest(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1), reminder(dose=2), reminder(dose=3, send_at=LATER)], NOON_SHANGHAI)
    moved = LATER + timedelta(days=1)
    assert _replace(sessions, [reminder(dose=1), reminder(dose=3, send_at=moved, due=LATER.date())]) == 1
    by_dose = _by_dose(sessions)
    assert {dose: row.status for (_, dose), row in by_dose.items()} == {
        1: "planned",
        2: "cancelled",
        3: "planned",
    }
    assert by_dose[("c1", 2)].next_attempt_at is None and by_dose[("c1", 2)].last_error == "re-planned"
    assert by_dose[("c1", 3)].send_at.replace(tzinfo=None) == moved.replace(tzinfo=None)
    assert len(rows(sessions)) == 3  # moved, never duplicated


def test_a_row_a_dispatcher_claimed_is_left_to_it_during_a_replan(sessions: sessionmaker[Session]) -> None:
    """The dispatcher has claimed dose 1 and is sending it when the birth date is corrected: the
    re-plan leaves the row to the dispatcher, whose mark then records what the parent received."""
    plan_all(sessions, [reminder(dose=1), reminder(dose=2)], NOON_SHANGHAI)  # both due now
    seen: list[list[str]] = []

    class ReplansMidSend(Recording):
        def deliver(self, item: Reminder) -> DeliveryResult:
            if not seen:  # the parent corrects the birth date while the first row is in flight
                _replace(sessions, [reminder(dose=5, send_at=LATER)])
                seen.append([row.status for row in rows(sessions)])
            return super().deliver(item)

    notifier = ReplansMidSend()
    Dispatcher(sessions, notifier, Clock(NOON_SHANGHAI), quiet=NO_QUIET).tick()
    assert seen == [["claimed", "claimed", "planned"]]  # the re-plan cancelled neither claimed row
    assert len(notifier.delivered) == 2
    by_dose = _by_dose(sessions)
    assert by_dose[("c1", 1)].status == "sent" and by_dose[("c1", 2)].status == "sent"  # the truth is marked
    assert by_dose[("c1", 5)].status == "planned"


def test_a_sent_row_is_never_brought_back_so_a_claimed_row_is_not_sent_twice(
    sessions: sessionmaker[Session],
) -> None:
    """A re-plan that drops a row in flight and a second re-plan that gives it again: the row went out
    once and stays sent (had the first re-plan cancelled it, the second would have planned it again)."""
    plan_all(sessions, [reminder(dose=1)], NOON_SHANGHAI)

    class ReplansTwice(Recording):
        def deliver(self, item: Reminder) -> DeliveryResult:
            if not self.delivered:
                _replace(sessions, [])  # dose 1 no longer planned ...
                _replace(sessions, [reminder(dose=1)])  # ... and then planned again
            return super().deliver(item)

    notifier = ReplansTwice()
    clock = Clock(NOON_SHANGHAI)
    Dispatcher(sessions, notifier, clock, quiet=NO_QUIET).tick()
    clock.advance(minutes=5)
    Dispatcher(sessions, notifier, clock, quiet=NO_QUIET).tick()
    assert len(notifier.delivered) == 1
    assert [row.status for row in rows(sessions)] == ["sent"]


def test_a_cancelled_reminder_planned_again_comes_back_with_its_new_time(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=1, send_at=LATER), reminder(dose=2, send_at=LATER)], NOON_SHANGHAI)
    with transaction(sessions) as session:
        cancel(session, "test:u1", NOON_SHANGHAI, kind="vaccine", reason="stopped by the parent")
    moved = LATER + timedelta(hours=2)
    _replace(sessions, [reminder(dose=1, send_at=moved, due=LATER.date())])
    by_dose = _by_dose(sessions)
    back = by_dose[("c1", 1)]
    assert back.status == "planned" and back.attempts == 0 and back.last_error is None
    assert back.next_attempt_at is not None
    assert back.next_attempt_at.replace(tzinfo=None) == moved.replace(tzinfo=None)
    assert by_dose[("c1", 2)].status == "cancelled"  # not planned again: stays cancelled
    assert len(rows(sessions)) == 2


def test_a_replan_brings_back_only_cancelled_rows_never_sent_or_failed_ones(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(sessions, [reminder(dose=d) for d in (1, 2, 3)], NOON_SHANGHAI)
    with transaction(sessions) as session:
        stored = session.scalars(select(ReminderRow).order_by(ReminderRow.id)).all()
        for row, status in zip(stored, ("sent", "failed", "unknown"), strict=True):
            row.status = status
    _replace(sessions, [reminder(dose=d) for d in (1, 2, 3)])
    assert [row.status for row in rows(sessions)] == ["sent", "failed", "unknown"]


def test_a_replan_covers_one_childs_rows_and_never_another_childs_or_the_familys_own(
    sessions: sessionmaker[Session],
) -> None:
    plan_all(
        sessions,
        [reminder(child="c1"), reminder(child="c2"), reminder(child=None), reminder("u2", child="c1")],
        NOON_SHANGHAI,
    )
    assert _replace(sessions, [], child="c1") == 1
    assert [row.status for row in rows(sessions)] == ["cancelled", "planned", "planned", "planned"]
    assert _replace(sessions, [], child=None) == 1  # no child: the family's own rows, not every child's
    assert [row.status for row in rows(sessions)] == ["cancelled", "planned", "cancelled", "planned"]


def test_a_replan_covers_one_kind(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder(kind="vaccine"), reminder(kind="school")], NOON_SHANGHAI)
    _replace(sessions, [], kind="school")
    assert [row.status for row in rows(sessions)] == ["planned", "cancelled"]


@pytest.mark.parametrize(
    "stray",
    [reminder(child="c2"), reminder(child=None), reminder("u2"), reminder(kind="school")],
    ids=["another child", "no child", "another user", "another kind"],
)
def test_a_reminder_outside_the_replans_child_user_or_kind_is_refused(
    sessions: sessionmaker[Session], stray: PlannedReminder
) -> None:
    plan_all(sessions, [reminder(dose=2)], NOON_SHANGHAI)
    with pytest.raises(ValueError, match="outside"):
        _replace(sessions, [reminder(dose=1), stray])
    assert [row.status for row in rows(sessions)] == ["planned"]  # nothing written, nothing cancelled
