"""A finished flow plans its reminders: the residence permit's yearly endorsement (签注) from the
issue date, and a city's school-registration window from the knowledge base (only where a city has
one: here a fixture city; the shipped data sets none, since no source gives the dates)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.app import App
from bot.storage.appliers import build_appliers
from bot.storage.registry import ApplyContext
from core.database import transaction
from core.i18n import Translator
from core.lexicon import Lexicon, load_lexicon
from core.taxonomy import Taxonomy
from dialogues.effect import StoreChecklist
from dialogues.flow import FLOWS_DIR
from dialogues.flow_validator import load_flows
from dialogues.rules import load_rules
from dialogues.runner import build_checklist
from dialogues.state import ActiveFlow, Checklist
from knowledge.catalog import KnowledgeBase
from knowledge.validator import check_knowledge, load_knowledge
from reminders.store import ReminderRow
from tests.knowledge.test_validator import _write_city

NOTICE = {"id": "xiamen_fixture_enrolment_notice", "title": "测试用厦门市招生通知（夹具，非真实文件）",
          "issuer": "测试", "date": "2027-01-01", "kind": "notice", "province": "fujian"}  # fmt: skip


def window(**changes: Any) -> dict[str, Any]:
    found = {"id": "primary_2028", "stage": "primary", "start": "2028-03-01", "end": "2028-03-31",
             "source": {"document": NOTICE["id"], "item": "第三条"}, "verified": False}  # fmt: skip
    return {**found, **changes}


def with_windows(kb_copy: Path, kb: KnowledgeBase, windows: list[dict[str, Any]]) -> Path:
    documents = kb_copy / "documents.yaml"
    data = yaml.safe_load(documents.read_text(encoding="utf-8"))
    data["documents"].append(NOTICE)
    documents.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = _write_city(kb_copy, kb)
    city = yaml.safe_load(path.read_text(encoding="utf-8"))
    city["registration_windows"] = windows
    path.write_text(yaml.safe_dump(city, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(kb_copy: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> list[str]:
    return [str(problem) for problem in check_knowledge(kb_copy, taxonomy, lexicon)[1]]


def test_the_shipped_knowledge_base_sets_no_registration_window(kb: KnowledgeBase) -> None:
    assert kb.registration_windows == {}  # no source gives a city's dates: none are made up


def test_a_citys_registration_window_loads_with_its_source(
    kb_copy: Path, kb: KnowledgeBase, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    with_windows(kb_copy, kb, [window(), window(id="junior_2028", stage="junior_middle")])
    loaded = load_knowledge(kb_copy, taxonomy, lexicon)
    found = loaded.registration_windows_for("fujian", "xiamen")
    assert [(w.id, w.start, w.verified) for w in found] == [
        ("primary_2028", date(2028, 3, 1), False),
        ("junior_2028", date(2028, 3, 1), False),
    ]
    assert loaded.registration_windows_for("fujian", "fuzhou") == ()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (window(end="2028-02-29"), "ends before it starts"),
        (window(source={"document": "no_such_notice", "item": "一"}), "'no_such_notice' is not in"),
        (window(stage="university"), "stage"),
        (window(start="2028-02-30"), "start"),
    ],
)
def test_a_bad_window_is_reported(
    kb_copy: Path, kb: KnowledgeBase, taxonomy: Taxonomy, lexicon: Lexicon, bad: dict[str, Any], message: str
) -> None:
    with_windows(kb_copy, kb, [bad])
    assert any(message in problem for problem in problems(kb_copy, taxonomy, lexicon))


def test_two_windows_with_one_id_are_reported(
    kb_copy: Path, kb: KnowledgeBase, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    with_windows(kb_copy, kb, [window(), window()])
    assert any("duplicate registration window" in p for p in problems(kb_copy, taxonomy, lexicon))


def checklist(
    kb: KnowledgeBase, taxonomy: Taxonomy, flow_id: str, answers: dict[str, Any], today: date
) -> Checklist:
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    rules = load_rules(load_lexicon(), taxonomy)
    active = ActiveFlow(flow_id=flow_id, answers=answers)
    return build_checklist(
        flows.flows[flow_id], active, kb, Translator("zh_Hans"), today, "fujian", "xiamen", 7.0, rules
    )


def finish(app: App, user_key: str, done: Checklist, now: datetime, remind: bool = True) -> list[ReminderRow]:
    effect = StoreChecklist(
        remind=remind,
        flow_id=done.flow_id,
        title=done.title,
        lines=(),
        dates=tuple(
            {
                "id": d.id,
                "label": d.label,
                "start": d.start.isoformat(),
                "end": d.end.isoformat() if d.end else None,
                "reminder": d.reminder,
                "source": d.source,
                "verified": d.verified,
                "stage": d.stage,
            }
            for d in done.dates
        ),
    )
    storage = app.storage
    with transaction(storage.sessions) as session:
        context = ApplyContext(session, user_key, now, storage.cipher, Translator("zh_Hans"))
        build_appliers().apply(effect, context)
    with storage.sessions() as session:
        rows = list(session.scalars(select(ReminderRow).order_by(ReminderRow.send_at)))
        session.expunge_all()
    return rows


@pytest.mark.parametrize(
    ("issued", "today", "deadlines"),
    [
        ("2024-02-29", date(2025, 1, 1), ["2025-02-27", "2026-02-27"]),  # a leap day: 28 Jan + 30 days
        ("2025-01-31", date(2025, 6, 1), ["2026-01-27", "2027-01-27"]),  # a month's end: clamped early
        ("2025-12-15", date(2026, 3, 1), ["2026-12-15", "2027-12-15"]),
    ],
)
def test_finishing_the_permit_flow_plans_the_endorsement_reminders(
    make_app: Callable[..., App], kb: KnowledgeBase, taxonomy: Taxonomy, issued: str, today: date,
    deadlines: list[str],
) -> None:  # fmt: skip
    app = make_app()
    answers = {
        "residence": {"province": "fujian", "city": "xiamen"},
        "issued_before": "yes",
        "issue_date": issued,
    }
    done = checklist(kb, taxonomy, "residence_permit", answers, today)
    [endorsement] = [d for d in done.dates if d.reminder == "renewal"]
    assert endorsement.source == "《居住证暂行条例》第10条"
    rows = finish(app, "wechat:o1", done, datetime(today.year, today.month, today.day, 2, tzinfo=UTC))
    assert {row.kind for row in rows} == {"renewal"} and {row.label_id for row in rows} == {
        "residence_permit_renewal"
    }
    assert sorted({row.due_date.isoformat() for row in rows}) == deadlines
    assert all(row.due_date >= endorsement.start for row in rows)  # never before the window opens
    assert len(rows) == 4 and json.loads(rows[0].params)["source"] == "《居住证暂行条例》第10条"


def test_finishing_it_again_with_another_date_replaces_the_reminders(
    make_app: Callable[..., App], kb: KnowledgeBase, taxonomy: Taxonomy
) -> None:
    app = make_app()
    now = datetime(2025, 1, 1, 2, tzinfo=UTC)
    base = {"residence": {"province": "fujian", "city": "xiamen"}, "issued_before": "yes"}
    finish(
        app,
        "web:x",
        checklist(kb, taxonomy, "residence_permit", {**base, "issue_date": "2024-05-10"}, now.date()),
        now,
    )
    rows = finish(
        app,
        "web:x",
        checklist(kb, taxonomy, "residence_permit", {**base, "issue_date": "2024-06-10"}, now.date()),
        now,
    )
    pending = [row for row in rows if row.status == "planned"]
    assert len(pending) == 4 and all(row.due_date.month == 6 for row in pending)
    assert [row.status for row in rows].count("cancelled") == 4


def test_the_school_flow_plans_the_citys_window_for_the_stage_with_a_note_to_confirm(
    make_app: Callable[..., App], kb_copy: Path, kb: KnowledgeBase, taxonomy: Taxonomy, lexicon: Lexicon
) -> None:
    with_windows(
        kb_copy,
        kb,
        [window(), window(id="junior_2028", stage="junior_middle", start="2028-04-01", end="2028-04-30")],
    )
    fixture = load_knowledge(kb_copy, taxonomy, lexicon)
    answers = {"residence": {"province": "fujian", "city": "xiamen"}, "stage": "primary"}
    done = checklist(fixture, taxonomy, "school_admission", answers, date(2028, 1, 10))
    [registration] = [d for d in done.dates if d.reminder == "school"]
    assert (registration.start, registration.end, registration.verified) == (
        date(2028, 3, 1),
        date(2028, 3, 31),
        False,
    )
    rows = finish(make_app(), "web:y", done, datetime(2028, 1, 10, 2, tzinfo=UTC))
    assert [(row.send_at.date(), row.kind) for row in rows] == [
        (date(2028, 2, 23), "school"), (date(2028, 3, 1), "school"), (date(2028, 3, 29), "school")
    ]  # fmt: skip
    assert (
        json.loads(rows[0].params)["verified"] is False and json.loads(rows[0].params)["stage"] == "primary"
    )


def test_without_a_window_for_the_city_the_school_flow_plans_nothing(
    make_app: Callable[..., App], kb: KnowledgeBase, taxonomy: Taxonomy
) -> None:
    answers = {"residence": {"province": "fujian", "city": "xiamen"}, "stage": "primary"}
    done = checklist(kb, taxonomy, "school_admission", answers, date(2028, 1, 10))
    assert [d for d in done.dates if d.reminder == "school"] == []
    assert finish(make_app(), "web:z", done, datetime(2028, 1, 10, 2, tzinfo=UTC)) == []


def test_without_the_reminders_consent_a_finished_flow_plans_no_reminder(
    make_app: Callable[..., App], kb: KnowledgeBase, taxonomy: Taxonomy
) -> None:
    answers = {
        "residence": {"province": "fujian", "city": "xiamen"},
        "issued_before": "yes",
        "issue_date": "2025-12-15",
    }
    done = checklist(kb, taxonomy, "residence_permit", answers, date(2026, 3, 1))
    assert [d for d in done.dates if d.reminder == "renewal"]  # the date is on the checklist all the same
    assert finish(make_app(), "web:n", done, datetime(2026, 3, 1, 2, tzinfo=UTC), remind=False) == []
