"""The daily rollup (bot/reports/rollup.py) gives the demand and uptake reports exactly the figures the
turn log gives, for every first day and scope, on SQLite and PostgreSQL: turns summed over days,
families counted once however many days and places they came back on, the week a family is counted
in, the step a family was last at in a flow; and a report says how fresh its figures are."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from bot import database
from bot.reports import Inputs, Scope, build_report, demand, rollup, uptake
from bot.reports.report import Count
from bot.storage.models import TurnLog
from core.clock import DEFAULT_TIMEZONE
from core.database import make_engine, make_sessions

ZONE = ZoneInfo(DEFAULT_TIMEZONE)
START = date(2026, 11, 4)  # a Wednesday: the first and last weeks are partial
DAYS = 24
NOW = datetime.combine(START + timedelta(days=DAYS), time(15, 0), ZONE).astimezone(UTC)
PLACES = (
    ("fujian", "xiamen", "siming"),
    ("fujian", "xiamen", "huli"),
    ("fujian", "xiamen", None),
    ("fujian", "fuzhou", "gulou"),
    ("fujian", None, None),
    ("hainan", "haikou", "longhua"),
    (None, None, None),
)
SCOPES = (
    Scope(),
    Scope("fujian"),
    Scope("fujian", "xiamen"),
    Scope("fujian", "fuzhou"),
    Scope("hainan"),
    Scope("hainan", "haikou"),
)
TOPICS = ("school", "health", "housing")
FLOWS = {"enrol": ("documents", "school", "confirm"), "vaccine": ("child", "clinic")}


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    database.upgrade(engine)
    yield make_sessions(engine)
    engine.dispose()


def _row(family: str, at: datetime, place: tuple[str | None, ...], **values: object) -> dict[str, object]:
    province, city, district = place
    row: dict[str, object] = {
        "at": at,
        "day": at.astimezone(ZONE).date(),
        "channel": "telegram",
        "family": family,
        "intent": None,
        "topic": None,
        "service": None,
        "after_service": None,
        "flow": None,
        "step": None,
        "finished": False,
        "province": province,
        "city": city,
        "district": district,
        "handoff": False,
        "gap": False,
        "question": False,
    }
    row.update(values)
    return row


def _generated(seed: int) -> list[dict[str, object]]:
    """A log of 40 families over DAYS days, in the order of time (as turns are logged): families who
    come back on several days, some who move, turns just before and after midnight, flows left at a
    step, finished, taken up again."""
    rng = random.Random(seed)
    rows = []
    for n in range(900):
        family = f"family-{rng.randrange(40):02d}"
        day = START + timedelta(days=rng.randrange(DAYS + 1))
        minute = rng.choice((0, 1, 600, 1438, 1439)) if n % 3 == 0 else rng.randrange(1440)
        at = datetime.combine(day, time(), ZONE) + timedelta(minutes=minute)
        home = PLACES[int(family[-2:]) % len(PLACES)]
        place = rng.choice(PLACES) if rng.random() < 0.2 else home
        kind = rng.random()
        values: dict[str, object]
        if kind < 0.45:
            topic = rng.choice(TOPICS)
            service = f"{topic}_service" if rng.random() < 0.8 else None
            values = {"question": True, "topic": topic, "service": service}
        elif kind < 0.5:
            values = {"question": True, "gap": True}
        elif kind < 0.9:
            flow = rng.choice(list(FLOWS))
            position = rng.randrange(len(FLOWS[flow]) + 2)
            if position == len(FLOWS[flow]):
                values = {"flow": flow, "finished": True}
            elif position > len(FLOWS[flow]):
                values = {"flow": flow}  # a turn in the flow without a step
            else:
                values = {"flow": flow, "step": FLOWS[flow][position]}
        else:
            values = {}
        rows.append(_row(family, at.astimezone(UTC), place, **values))
    rows.sort(key=lambda row: row["at"])  # type: ignore[arg-type, return-value]
    return rows


def _log(sessions: sessionmaker[Session], rows: list[dict[str, object]]) -> None:
    with sessions() as session:
        session.execute(insert(TurnLog), rows)
        session.commit()


def _sinces() -> list[date]:
    return [START + timedelta(days=n) for n in range(-1, DAYS + 2)]


def test_the_rollup_gives_the_logs_figures_for_every_first_day_and_scope(
    sessions: sessionmaker[Session],
) -> None:
    _log(sessions, _generated(15))
    assert rollup.rebuild(sessions, NOW) > 0
    until = NOW.astimezone(ZONE).date()
    with sessions() as session:
        for scope in SCOPES:
            for since in _sinces():
                from_log = demand.figures(session, scope, since, until, from_rollup=False)
                assert demand.figures(session, scope, since, until, from_rollup=True) == from_log, (
                    scope,
                    since,
                )
                asked, started, finished, last = uptake.figures(
                    session, scope, since, until, from_rollup=False
                )
                rolled = uptake.figures(session, scope, since, until, from_rollup=True)
                assert rolled[:3] == (asked, started, finished), (scope, since)
                assert sorted(rolled[3], key=str) == sorted(last, key=str), (scope, since)
        # and the data is not trivial: families come back, move, and some flows are left at a step
        whole = demand.figures(session, Scope("fujian"), START, until, from_rollup=True)[0]
        assert any(count.value > count.families > 1 for count in whole.values())
        last_steps = uptake.figures(session, Scope("fujian"), START, until, from_rollup=True)[3]
        assert {step for _, step, _ in last_steps} >= {None, "-", "documents"}


def test_a_family_is_counted_once_across_days_and_places_and_only_from_its_first_day_in_the_period(
    sessions: sessionmaker[Session],
) -> None:
    siming, huli = PLACES[0], PLACES[1]

    def at(day: int, hour: int = 10) -> datetime:
        return datetime.combine(START + timedelta(days=day), time(hour), ZONE).astimezone(UTC)

    school = {"question": True, "topic": "school", "service": "school_service"}
    _log(
        sessions,
        [
            _row("a", at(0), siming, **school),
            _row("a", at(2, 23), siming, **school),  # Friday night
            _row("a", at(3, 0), huli, **school),  # Saturday, just after midnight: moved
            _row("a", at(3, 1), huli, flow="enrol", step="documents"),
            _row("a", at(5), huli, flow="enrol", finished=True),  # the next week
            _row("b", at(4), huli, flow="enrol", step="school"),
        ],
    )
    rollup.rebuild(sessions, NOW)
    until = NOW.astimezone(ZONE).date()
    city = Scope("fujian", "xiamen")
    with sessions() as session:
        for from_rollup in (False, True):
            by_topic, by_place, by_week = demand.figures(session, city, START, until, from_rollup)
            assert by_topic == {("school",): Count(3, 1)}
            assert by_place == {("siming", "school"): Count(2, 1), ("huli", "school"): Count(1, 1)}
            assert by_week == {(date(2026, 11, 2), "school"): Count(3, 1)}
            later = demand.figures(session, city, START + timedelta(days=3), until, from_rollup)
            assert later[0] == {("school",): Count(1, 1)}
            assert later[1] == {("huli", "school"): Count(1, 1)}
            _, started, finished, last = uptake.figures(session, city, START, until, from_rollup)
            assert started == {("huli",): Count(3, 2)}
            assert finished == {("huli",): Count(1, 1)}
            assert sorted(last, key=str) == sorted([("enrol", None, 1), ("enrol", "school", 1)], key=str)
            after = uptake.figures(session, city, START + timedelta(days=5), until, from_rollup)[3]
            assert after == [("enrol", None, 1)]


def test_a_report_from_the_rollup_says_it_is_fresh_as_of_the_rebuild_and_matches_the_log(
    sessions: sessionmaker[Session],
) -> None:
    _log(sessions, _generated(7))
    built = NOW - timedelta(minutes=40)
    rollup.rebuild(sessions, built)
    since = START + timedelta(days=3)
    with sessions() as session:
        for name in ("demand", "uptake"):
            for scope in (Scope("fujian"), Scope("fujian", "xiamen")):
                rolled = build_report(name, session, scope, since, NOW, Inputs())
                logged = build_report(name, session, scope, since, NOW, Inputs(rollup=False))
                assert rolled.tables == logged.tables
                assert (rolled.fresh_as_of, logged.fresh_as_of) == (built, NOW)


def test_a_district_a_stale_rollup_or_an_earlier_moment_is_built_from_the_log(
    sessions: sessionmaker[Session],
) -> None:
    _log(sessions, _generated(3))
    rollup.rebuild(sessions, NOW)
    since = START
    with sessions() as session:
        district = build_report("demand", session, Scope("fujian", "xiamen", "siming"), since, NOW, Inputs())
        assert district.fresh_as_of == NOW
        stale_at = NOW + rollup.MAX_AGE + timedelta(minutes=1)
        assert (
            build_report("demand", session, Scope("fujian"), since, stale_at, Inputs()).fresh_as_of
            == stale_at
        )
        earlier = NOW - timedelta(hours=1)
        assert (
            build_report("uptake", session, Scope("fujian"), since, earlier, Inputs()).fresh_as_of == earlier
        )
        assert build_report("uptake", session, Scope("fujian"), since, NOW, Inputs()).fresh_as_of == NOW
