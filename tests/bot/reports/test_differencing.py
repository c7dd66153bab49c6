"""Differencing a city against its districts within one report: in a city's demand report a topic's
total is the sum of its districts' cells (and of its weeks), and in its uptake report, with one
guided application, the flow's started and finished families are the sum of the districts'. For any
generated turn log (hypothesis, the real builders on SQLite), a hidden cell is never the only hidden
one of such a sum, so total minus the cells shown never gives it back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.reports import Inputs, Scope, build_report
from bot.reports.suppression import SUPPRESSED
from bot.storage.models import TurnLog
from core.database import make_engine, make_sessions, transaction
from tests.conftest import migrate

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SINCE = date(2026, 11, 1)
CITY = Scope("fujian", "xiamen")
DISTRICTS = ("siming", "huli", "jimei")
TOPICS = ("preschool", "medical_insurance")

# (district, topic, family, day): a question logged; families are numbered within a district
questions = st.lists(
    st.tuples(st.sampled_from(DISTRICTS), st.sampled_from(TOPICS), st.integers(0, 9), st.integers(0, 27)),
    max_size=80,
)
# (district, family, finished): a family that started the one guided application
applications = st.lists(st.tuples(st.sampled_from(DISTRICTS), st.integers(0, 9), st.booleans()), max_size=50)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    folder: Path = tmp_path_factory.mktemp("differencing")
    engine = make_engine(migrate(f"sqlite:///{folder / 'tongxing.db'}"))
    yield make_sessions(engine)
    engine.dispose()


def _log(sessions: sessionmaker[Session], rows: list[TurnLog]) -> None:
    with transaction(sessions) as session:
        session.execute(delete(TurnLog))
        session.add_all(rows)


def _row(district: str, family: str, day: int, **values: object) -> TurnLog:
    at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC) + timedelta(days=day)
    return TurnLog(
        at=at,
        day=at.date(),
        channel="telegram",
        family=family,
        intent="ask",
        province="fujian",
        city="xiamen",
        district=district,
        **values,
    )


def _one_hidden_alone(cells: list[object]) -> bool:
    """A sum whose cells (the total first) hold exactly one "<5" while another non-zero one is shown."""
    hidden = [cell for cell in cells if cell == SUPPRESSED]
    shown = [cell for cell in cells if cell != SUPPRESSED and cell not in (0, None)]
    return len(hidden) == 1 and bool(shown)


@given(questions)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_citys_topic_total_never_gives_back_a_hidden_district_or_week(
    sessions: sessionmaker[Session], asked: list[tuple[str, str, int, int]]
) -> None:
    _log(
        sessions,
        [
            _row(district, f"{district}-{family}", day, topic=topic, question=True)
            for district, topic, family, day in asked
        ],
    )
    with sessions() as session:
        report = build_report("demand", session, CITY, SINCE, NOW, Inputs())
    totals, places, weeks = report.tables
    for topic, total, _ in totals.rows:
        by_place = [row[2] for row in places.rows if row[1] == topic]
        by_week = [row[2] for row in weeks.rows if row[1] == topic]
        assert not _one_hidden_alone([total, *by_place]), (topic, total, by_place)
        assert not _one_hidden_alone([total, *by_week]), (topic, total, by_week)


@given(applications)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_one_flows_started_and_finished_never_give_back_a_hidden_district(
    sessions: sessionmaker[Session], started: list[tuple[str, int, bool]]
) -> None:
    rows = []
    seen: set[str] = set()
    for district, family, finished in started:
        key = f"{district}-{family}"
        if key in seen:
            continue
        seen.add(key)
        rows.append(_row(district, key, 1, flow="residence_permit", step="child_age"))
        if finished:
            rows.append(_row(district, key, 2, flow="residence_permit", step="done", finished=True))
    _log(sessions, rows)
    with sessions() as session:
        report = build_report("uptake", session, CITY, SINCE, NOW, Inputs())
    places, _, flows = report.tables
    for _, flow_started, flow_finished, _ in flows.rows:
        assert not _one_hidden_alone([flow_started, *(row[2] for row in places.rows)])
        assert not _one_hidden_alone([flow_finished, *(row[3] for row in places.rows)])


def test_a_district_of_three_families_is_not_the_citys_one_flow_minus_the_others(
    sessions: sessionmaker[Session],
) -> None:
    rows = [
        _row(district, f"{district}-{n}", 1, flow="residence_permit", step="child_age")
        for district, families in (("siming", 3), ("huli", 6), ("jimei", 7))
        for n in range(families)
    ]
    _log(sessions, rows)
    with sessions() as session:
        report = build_report("uptake", session, CITY, SINCE, NOW, Inputs())
    places, _, flows = report.tables
    started = {row[0]: row[2] for row in places.rows}
    assert started["siming"] == SUPPRESSED
    assert flows.rows[0][1] == SUPPRESSED or list(started.values()).count(SUPPRESSED) > 1
