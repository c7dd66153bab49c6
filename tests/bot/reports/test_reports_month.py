"""Every report over a month of synthetic conversations (tests/bot/reports/synthetic.py), held through
the real turn path, on SQLite and PostgreSQL: each figure equals the count made from what the parents
saw (the ledger), small cells are "<5", no name, phone or id number a parent wrote appears anywhere,
and every look is in the audit log."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.reports import REPORTS, Inputs, Report, Scope, build_report
from bot.reports.audit import record_view
from bot.reports.lists import NONE_RECORDED, NOT_RECORDED, RECORD_HOW
from bot.reports.refresh import refresh
from bot.reports.render import to_csv, to_json
from bot.reports.summary import WINDOWS, read_report, summarise
from bot.reports.suppression import MIN_FAMILIES, SUPPRESSED
from bot.storage.desk import AuditLog
from bot.storage.models import AuditEntry
from core.clock import FixedClock
from tests.bot.reports.synthetic import DAYS, START, Ledger, Month

SINCE = START.date()
CITY = Scope("fujian", "xiamen")
PROVINCE = Scope("fujian")
CITY_OF = {"siming": "xiamen", "huli": "xiamen", "jimei": "xiamen", "jinjiang": "quanzhou", "gulou": "fuzhou"}


@dataclass
class Held:
    app: App
    ledger: Ledger
    now: object


@pytest.fixture
def month(make_app: Callable[..., App], database_url: str) -> Held:
    clock = FixedClock(START)
    app = make_app(database_url, clock)
    ledger = Month(app, clock).run(per_district=(14, 12, 12, 10, 4))
    now = START + timedelta(days=DAYS + 2)
    clock.move_to(now)
    refresh(app.storage.sessions, app.data.tokenizer, app.data.lexicon, clock.now())
    return Held(app, ledger, clock.now())


def _build(month: Held, name: str, scope: Scope) -> Report:
    inputs = Inputs(kb=month.app.data.knowledge, lexicon=month.app.data.lexicon)
    with month.app.storage.sessions() as session:
        return build_report(name, session, scope, SINCE, month.now, inputs)  # type: ignore[arg-type]


def _expected(families: Iterable[str], value: int) -> int | str:
    return value if len(set(families)) >= MIN_FAMILIES else SUPPRESSED


def _check(
    table_rows: dict[tuple[object, ...], object], expected: dict[tuple[object, ...], tuple[int, set[str]]]
) -> None:
    """Each shown figure is the ledger's; each ledger cell of fewer than 5 families is "<5" (a cell of
    5 or more may be "<5" too, hidden so that a hidden one cannot be recovered from a total)."""
    assert set(table_rows) == set(expected), (sorted(map(str, table_rows)), sorted(map(str, expected)))
    primary = [key for key, (_, families) in expected.items() if 0 < len(families) < MIN_FAMILIES]
    for key, shown in table_rows.items():
        value, families = expected[key]
        if shown == SUPPRESSED:
            assert len(families) < MIN_FAMILIES or primary, key
        else:
            assert len(families) >= MIN_FAMILIES or value == 0, (key, shown, value, families)
            assert shown == value, (key, shown, value)


def _in_city(district: str) -> bool:
    return CITY_OF[district] == "xiamen"


def test_demand_counts_the_questions_answered_by_topic_and_district(month: Held) -> None:
    kb = month.app.data.knowledge
    report = _build(month, "demand", CITY)
    by_topic: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    by_place: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    topics: dict[str, list[str]] = defaultdict(list)
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for family, district, service in month.ledger.answered:
        if _in_city(district):
            topic = kb.by_id[service].topic
            topics[topic].append(family)
            places[(district, topic)].append(family)
    for topic, asked in topics.items():
        by_topic[(topic,)] = (len(asked), set(asked))
    for key, asked in places.items():
        by_place[key] = (len(asked), set(asked))
    first, second, weekly = report.tables
    _check({(row[0],): row[1] for row in first.rows}, by_topic)
    _check({(row[0], row[1]): row[2] for row in second.rows}, by_place)
    weeks = {row[1] for row in weekly.rows}
    assert weeks == set(topics)
    assert report.fresh_as_of == month.now


def test_quality_counts_each_rating_of_each_service_and_the_handoffs_after_it(month: Held) -> None:
    report = _build(month, "quality", PROVINCE)
    ratings, followed = report.tables
    expected: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    by_service: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for family, _, service, rating in month.ledger.ratings:
        by_service[service].append((family, rating))
    for service, rated in by_service.items():
        for rating in ("helpful", "not_helpful", "human"):
            who = {family for family, given in rated if given == rating}
            expected[(service, rating)] = (sum(1 for _, given in rated if given == rating), who)
        expected[(service, "ratings")] = (len(rated), {family for family, _ in rated})
    shown = {
        (row[0], column): row[index]
        for row in ratings.rows
        for index, column in enumerate(("helpful", "not_helpful", "human", "ratings"), start=1)
    }
    _check(shown, expected)
    after: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    for family, _, _, service in month.ledger.tickets:
        if service:
            count, who = after.get((service,), (0, set()))
            after[(service,)] = (count + 1, who | {family})
    _check({(row[0],): row[1] for row in followed.rows}, after)


def test_uptake_counts_families_who_asked_started_and_finished_and_where_the_others_stopped(
    month: Held,
) -> None:
    report = _build(month, "uptake", CITY)
    places, steps, flows = report.tables
    asked: dict[str, set[str]] = defaultdict(set)
    for family, district, _ in month.ledger.answered:
        asked[district].add(family)
    last: dict[tuple[str, str], tuple[str, str | None]] = {}
    started: dict[str, set[str]] = defaultdict(set)
    finished: dict[str, set[str]] = defaultdict(set)
    for family, district, flow, step in month.ledger.flow_steps:
        last[(family, flow)] = (district, step)
        started[district].add(family)
        if step is None:
            finished[district].add(family)
    expected: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    for district in {d for d in CITY_OF if _in_city(d)} & (set(asked) | set(started)):
        for column, found in (("asked", asked), ("started", started), ("finished", finished)):
            who = found.get(district, set())
            expected[(district, column)] = (len(who), who)
    shown = {
        (row[0], column): row[index]
        for row in places.rows
        for index, column in enumerate(("asked", "started", "finished"), start=1)
    }
    _check(shown, expected)
    stopped: dict[tuple[object, ...], tuple[int, set[str]]] = {}
    for (family, flow), (district, step) in last.items():
        if _in_city(district) and step is not None:
            count, who = stopped.get((flow, step), (0, set()))
            stopped[(flow, step)] = (count + 1, who | {family})
    _check({(row[0], row[1]): row[2] for row in steps.rows}, stopped)
    for row in flows.rows:
        in_city = {
            family for (family, flow), (district, _) in last.items() if flow == row[0] and _in_city(district)
        }
        done = {
            f
            for (f, flow), (district, step) in last.items()
            if flow == row[0] and _in_city(district) and step is None
        }
        for shown, families in ((row[1], in_city), (row[2], done)):
            assert shown == len(families) if len(families) >= MIN_FAMILIES else shown in (SUPPRESSED, 0)


def test_handoffs_counts_tickets_waits_and_outcomes_by_district(month: Held) -> None:
    report = _build(month, "handoffs", PROVINCE)
    volume, ended = report.tables
    tickets: dict[str, list[str]] = defaultdict(list)
    for family, district, _, _ in month.ledger.tickets:
        tickets[CITY_OF[district]].append(family)
    expected = {(city,): (len(who), set(who)) for city, who in tickets.items()}
    _check({(row[0],): row[1] for row in volume.rows}, expected)
    for row in volume.rows:
        waits = [
            w
            for district, minutes in month.ledger.claims.items()
            if CITY_OF[district] == row[0]
            for w in minutes
        ]
        if row[5] is not None:
            assert row[5] == round(statistics.median(waits), 1)
    closed = Counter((CITY_OF[district], outcome) for district, outcome in month.ledger.closed)
    for row in ended.rows:
        if row[-1] != SUPPRESSED:
            for index, outcome in enumerate(("resolved", "referred"), start=1):
                assert row[index] in (closed[(row[0], outcome)], SUPPRESSED)


def test_gaps_group_every_question_without_an_answer_and_show_only_scrubbed_words(month: Held) -> None:
    report = _build(month, "gaps", PROVINCE)
    (themes,) = report.tables
    shown = [row for row in themes.rows if row[1] != SUPPRESSED]
    total = sum(int(row[1]) for row in shown)  # type: ignore[call-overload]
    assert total <= len(month.ledger.gaps)
    assert sum(1 for row in themes.rows if row[1] != SUPPRESSED) < len(themes.rows) or total == len(
        month.ledger.gaps
    )
    if len({family for family, _, _ in month.ledger.gaps}) >= 2 * MIN_FAMILIES:
        assert shown, "a month with this many gaps shows at least one theme"
        assert any(row[3] for row in shown), "a shown theme has examples"
    assert sum(1 for row in themes.rows if row[1] == SUPPRESSED) or total == len(month.ledger.gaps)
    assert report.fresh_as_of <= month.now  # type: ignore[operator]


def test_no_name_phone_or_id_number_appears_in_any_report(month: Held) -> None:
    assert month.ledger.secrets
    for name in REPORTS:
        for scope in (PROVINCE, CITY, Scope("fujian", "xiamen", "siming")):
            report = _build(month, name, scope)
            for text in (to_csv(report), to_json(report)):
                for secret in month.ledger.secrets:
                    assert secret not in text, (name, scope, secret)


def test_a_city_report_shows_nothing_of_another_city(month: Held) -> None:
    for name in ("demand", "uptake"):
        report = _build(month, name, CITY)
        text = to_csv(report)
        for district in ("jinjiang", "gulou"):
            assert district not in text


def test_every_view_and_export_is_in_the_audit_log(month: Held) -> None:
    audit = AuditLog(month.app.storage.sessions)
    record_view(
        audit,
        worker_id=None,
        login="cli:staff",
        name="demand",
        scope=CITY,
        since=SINCE,
        now=month.now,
        export="csv",
    )  # type: ignore[arg-type]
    record_view(audit, worker_id=7, login="supervisor1", name="gaps", scope=CITY, since=SINCE, now=month.now)  # type: ignore[arg-type]
    with month.app.storage.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action.like("report_%"))).all()
        seen = [(row.worker_login, row.action, row.detail) for row in rows]
    assert ("cli:staff", "report_export", "demand fujian/xiamen since 2026-11-02 as csv") in seen
    assert ("supervisor1", "report_view", "gaps fujian/xiamen since 2026-11-02") in seen


def test_lists_names_every_city_of_the_province_and_whether_it_is_due(month: Held) -> None:
    report = _build(month, "lists", PROVINCE)
    (table,) = report.tables
    cities = {row[1] for row in table.rows}
    assert {"xiamen", "fuzhou", "quanzhou"} <= cities
    for row in table.rows:  # no city list is in knowledge/data: nothing says a city failed to publish
        assert row[2] == NOT_RECORDED
        assert row[3:] == (None,) * 6
    assert report.notes[:2] == (NONE_RECORDED, RECORD_HOW)
    assert table.chart is None
    assert any("24" in note for note in report.notes)


def test_the_since_date_leaves_out_what_came_before(month: Held) -> None:
    inputs = Inputs(kb=month.app.data.knowledge, lexicon=month.app.data.lexicon)
    with month.app.storage.sessions() as session:
        later = build_report("demand", session, PROVINCE, date(2027, 1, 1), month.now, inputs)  # type: ignore[arg-type]
    assert all(not table.rows for table in later.tables)


def test_a_summarised_report_is_served_as_it_was_built_and_says_when(month: Held) -> None:
    inputs = Inputs(kb=month.app.data.knowledge, lexicon=month.app.data.lexicon)
    built = summarise(month.app.storage.sessions, inputs, month.now)  # type: ignore[arg-type]
    assert built > 0
    since = month.now.astimezone(inputs.zone).date() - timedelta(days=WINDOWS[0])  # type: ignore[attr-defined]
    with month.app.storage.sessions() as session:
        for name in ("demand", "uptake", "quality"):
            served = read_report(session, name, CITY, since, month.now, inputs)  # type: ignore[arg-type]
            live = build_report(name, session, CITY, since, month.now, inputs)  # type: ignore[arg-type]
            assert served.tables == live.tables
            assert served.fresh_as_of == month.now
