"""The reminder table: planning is idempotent, cancelling is at once, nothing personal in clear."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.database import transaction
from reminders.store import cancel, upcoming, wake_waiting
from tests.reminders.fixtures import NOON_SHANGHAI, migrated_sessions, plan_all, reminder, rows, sqlite_url


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    yield from migrated_sessions(sqlite_url(tmp_path))


def test_planning_the_same_reminder_again_never_duplicates_it(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder(dose=1), reminder(dose=2)], NOON_SHANGHAI)
    later = NOON_SHANGHAI + timedelta(hours=3)
    plan_all(sessions, [reminder(dose=1, send_at=later, due=NOON_SHANGHAI.date())], NOON_SHANGHAI)
    stored = rows(sessions)
    assert len(stored) == 2
    moved = next(row for row in stored if '"dose": 1' in row.params)
    assert moved.send_at.replace(tzinfo=None) == later.replace(tzinfo=None)  # re-planned: moved, not added


def test_replanning_leaves_a_sent_reminder_alone(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    with transaction(sessions) as session:
        row = rows(sessions)[0]
        session.get(type(row), row.id).status = "sent"  # type: ignore[union-attr]
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    assert [row.status for row in rows(sessions)] == ["sent"]


def test_a_row_holds_no_childs_name_or_birth_date(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    row = rows(sessions)[0]
    columns = {column.name for column in row.__table__.columns}
    assert not {"name", "birth_date", "child_name", "text", "body"} & columns
    assert row.child_ref == "c1" and row.params == '{"dose": 1, "vaccine": "dtap"}'


def test_cancel_by_user_child_or_kind_stops_only_those(sessions: sessionmaker[Session]) -> None:
    plan_all(
        sessions,
        [
            reminder("u1", child="c1"),
            reminder("u1", child="c2"),
            reminder("u1", kind="renewal", child=None),
            reminder("u2", child="c1"),
        ],
        NOON_SHANGHAI,
    )
    with transaction(sessions) as session:
        assert cancel(session, "test:u1", NOON_SHANGHAI, child_ref="c2") == 1
        assert cancel(session, "test:u1", NOON_SHANGHAI, kind="renewal") == 1
    assert [row.status for row in rows(sessions)] == ["planned", "cancelled", "cancelled", "planned"]
    with transaction(sessions) as session:
        assert cancel(session, "test:u1", NOON_SHANGHAI) == 1
        assert [row.user_key for row in upcoming(session, "test:u1")] == []
        assert len(upcoming(session, "test:u2")) == 1


def test_upcoming_lists_soonest_first(sessions: sessionmaker[Session]) -> None:
    plan_all(
        sessions,
        [reminder(dose=2, send_at=NOON_SHANGHAI + timedelta(days=30)), reminder(dose=1)],
        NOON_SHANGHAI,
    )
    with sessions() as session:
        assert upcoming(session, "test:u1")[0].params == '{"dose": 1, "vaccine": "dtap"}'


def test_the_parents_next_message_wakes_what_waited_for_a_window(sessions: sessionmaker[Session]) -> None:
    plan_all(sessions, [reminder()], NOON_SHANGHAI)
    with transaction(sessions) as session:
        row = session.get(type(rows(sessions)[0]), 1)
        assert row is not None
        row.status, row.next_attempt_at = "waiting_window", None
    with transaction(sessions) as session:
        assert wake_waiting(session, "test:u1", NOON_SHANGHAI) == 1
    assert rows(sessions)[0].status == "deferred" and rows(sessions)[0].next_attempt_at is not None


def test_an_unknown_kind_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="unknown reminder kind"):
        plan_all(sessions, [reminder(kind="birthday")], NOON_SHANGHAI)
