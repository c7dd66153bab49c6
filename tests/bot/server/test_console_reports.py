"""The console's reports pages over a real App (SQLite): the scope comes from the login (a worker their
districts, a supervisor their city, an admin every place), a place asked for in the address outside
it is refused and audited with nothing of it in the body, the charts are SVG with a table beside them,
small cells read "<5", the downloads carry the same figures as `tongxing report`, and every look and
download is in the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.reports import Inputs, Scope, build_report
from bot.reports.label import names_of, with_names
from bot.reports.lists import NONE_RECORDED
from bot.reports.render import to_csv
from bot.storage.models import AuditEntry
from bot.storage.workers import Workers
from core.database import transaction
from core.i18n import Translator
from tests.bot.server.test_console import CHEAP, PASSWORD, Scene, desk, login, new_client  # noqa: F401  (desk: a fixture)
from tests.bot.server.turn_rows import FUZHOU_MARKS, log_questions

RESIDENCE_PERMIT = "居住证能享受什么"  # the topic's name: the title of the service that names it


@pytest.fixture
def scene(desk: Scene) -> Iterator[Scene]:  # noqa: F811
    log_questions(desk.application.storage.sessions, desk.clock.now(), desk.clock.zone)
    yield desk


def audit_of(scene: Scene, action: str) -> list[str]:
    with transaction(scene.application.storage.sessions) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [f"{row.worker_login} {row.detail}" for row in rows]


def test_a_city_supervisor_sees_their_city_as_charts_and_tables_with_small_cells_hidden(scene: Scene) -> None:
    page = login(scene.client, "zhao").get("/console/reports/demand")
    assert page.status_code == 200
    body = page.text
    assert body.count("<svg") == 3 and "<rect" in body and "<title>" in body
    assert "<table" in body and "思明" in body and "湖里" in body  # the districts named in words
    assert '<td class="suppressed">&lt;5</td>' in body  # huli's two families asking about vaccines
    assert "数据更新于" in body
    assert "<script>" not in body and "style=" not in body  # the CSP allows neither
    for mark in FUZHOU_MARKS:
        assert mark not in body, mark
    assert audit_of(scene, "report_view") == [f"zhao demand fujian/xiamen since {_since(scene)}"]


@pytest.mark.parametrize(
    "query",
    [{"place": "fuzhou"}, {"city": "fuzhou"}, {"district": "gulou"}, {"place": "fujian"}, {"place": ""}],
)
@pytest.mark.parametrize(
    "path",
    [
        "/console/reports/demand",
        "/console/reports/demand.csv",
        "/console/reports/demand.json",
        "/console/reports",
    ],
)
def test_a_xiamen_supervisor_asking_for_fuzhou_by_editing_the_address_is_refused_and_audited(
    scene: Scene, query: dict[str, str], path: str
) -> None:
    client = login(scene.client, "zhao")
    response = client.get(path, params=query)
    if query == {"place": ""}:  # no place asked for: their own city
        assert response.status_code == 200
        assert "gulou" not in response.text and "residence_permit" not in response.text
        return
    assert response.status_code == 403
    for mark in FUZHOU_MARKS:
        assert mark not in response.text
    assert len(audit_of(scene, "report_refused")) == 1
    assert audit_of(scene, "report_view") == [] and audit_of(scene, "report_export") == []


def test_a_worker_sees_only_their_own_district(scene: Scene) -> None:
    client = login(scene.client, "wang")  # siming
    body = client.get("/console/reports/demand").text
    assert "思明" in body and "湖里" not in body and "huli" not in body and "vaccine" not in body
    for place in ("huli", "xiamen", "fuzhou"):
        assert client.get("/console/reports/demand", params={"place": place}).status_code == 403
    options = re.findall(r'<option value="([^"]*)"', body)
    assert options == ["siming"]


def test_an_admin_chooses_any_place_and_sees_every_city_by_default(scene: Scene) -> None:
    client = login(scene.client, "root")
    everything = client.get("/console/reports/demand").text
    assert RESIDENCE_PERMIT in everything and "school" in everything
    fuzhou = client.get("/console/reports/demand", params={"place": "fuzhou"}).text
    assert RESIDENCE_PERMIT in fuzhou and ">39<" in fuzhou and "school" not in fuzhou
    assert client.get("/console/reports/demand", params={"place": "nowhere"}).status_code == 403


def test_a_supervisor_may_narrow_to_a_district_of_their_city(scene: Scene) -> None:
    body = login(scene.client, "zhao").get("/console/reports/demand", params={"place": "huli"}).text
    assert "vaccine" in body and "health" not in body  # health was asked in siming only


def test_the_downloads_carry_the_same_figures_as_the_command_line_and_are_audited(scene: Scene) -> None:
    client = login(scene.client, "zhao")
    since = _since(scene)
    csv_body = client.get("/console/reports/demand.csv", params={"since": since})
    application = scene.application
    with application.storage.sessions() as session:
        expected = build_report(
            "demand",
            session,
            Scope("fujian", "xiamen"),
            date.fromisoformat(since),
            scene.clock.now(),
            Inputs(zone=scene.clock.zone),
        )
    data = application.data
    names = names_of(data.knowledge, data.flows).for_reader(Translator("zh_Hans"))
    named = with_names(expected, names)
    assert csv_body.status_code == 200 and csv_body.text == to_csv(named)
    assert "attachment" in csv_body.headers["content-disposition"]
    exported = client.get("/console/reports/demand.json").json()
    assert exported["scope"] == {"province": "fujian", "city": "xiamen", "district": None}
    questions = {row["topic"]: row["questions"] for row in exported["tables"][0]["rows"]}
    assert questions == {"school": 25, "health": 6, "vaccine": "<5"}
    assert json.dumps(exported).count("fuzhou") == 0
    assert [entry.split(" as ")[-1] for entry in audit_of(scene, "report_export")] == ["csv", "json"]


@pytest.mark.parametrize("name", ["demand", "gaps", "quality", "uptake", "handoffs", "lists"])
def test_every_report_opens_for_a_supervisor_without_another_citys_rows(scene: Scene, name: str) -> None:
    response = login(scene.client, "zhao").get(f"/console/reports/{name}")
    assert response.status_code == 200
    assert "gulou" not in response.text and "residence_permit" not in response.text
    assert "fuzhou" not in response.text


def test_an_unknown_report_is_not_found_and_the_index_lists_every_report(scene: Scene) -> None:
    client = login(scene.client, "zhao")
    assert client.get("/console/reports/salaries").status_code == 404
    index = client.get("/console/reports").text
    for name in ("demand", "gaps", "quality", "uptake", "handoffs", "lists"):
        assert f"/console/reports/{name}?" in index


def test_the_page_speaks_the_language_the_worker_chose_in_the_console(scene: Scene) -> None:
    client = login(scene.client, "zhao")
    english = client.get("/console/reports/demand?lang=en").text
    assert 'lang="en"' in english and "Figures as of" in english
    traditional = client.get("/console/reports/demand?lang=zh_Hant").text
    assert 'lang="zh-Hant"' in traditional and "資料更新於" in traditional


def _since(scene: Scene) -> str:
    return (scene.clock.now().astimezone(scene.clock.zone).date() - timedelta(days=30)).isoformat()


def test_a_worker_without_a_known_district_is_told_so_and_sees_no_figures(scene: Scene) -> None:
    Workers(scene.application.storage.sessions, CHEAP).create(
        "nowhere", "无区社工", PASSWORD, "worker", scene.clock.now(), districts=["atlantis"]
    )
    client = login(new_client(scene), "nowhere")
    index = client.get("/console/reports")
    assert index.status_code == 200 and "没有分配地区" in index.text
    assert client.get("/console/reports/demand").status_code == 403
    assert "school" not in client.get("/console/reports/demand").text


def test_topics_are_shown_by_name_on_the_page_and_in_its_charts_without_their_ids(scene: Scene) -> None:
    client = login(scene.client, "root")
    body = client.get("/console/reports/demand", params={"place": "fuzhou"}).text
    chart = body[body.index("<svg") : body.index("</svg>")]
    assert RESIDENCE_PERMIT in chart and "residence_permit" not in body
    english = client.get("/console/reports/demand", params={"place": "fuzhou", "lang": "en"}).text
    assert "What a residence permit gives you" in english and "residence_permit" not in english


def test_the_downloads_keep_the_topic_id_and_add_its_name_in_the_workers_language(scene: Scene) -> None:
    client = login(scene.client, "root")
    exported = client.get("/console/reports/demand.json", params={"place": "fuzhou", "lang": "en"}).json()
    (row,) = exported["tables"][0]["rows"]
    assert row["topic"] == "residence_permit" and row["topic_name"] == "What a residence permit gives you"
    csv_body = client.get("/console/reports/demand.csv", params={"place": "fuzhou"}).text
    assert "topic,topic_name,questions,families" in csv_body
    assert f"residence_permit,{RESIDENCE_PERMIT},39," in csv_body


def test_the_lists_page_says_no_city_list_is_recorded_yet_and_how_to_record_one(scene: Scene) -> None:
    body = login(scene.client, "zhao").get("/console/reports/lists").text
    assert NONE_RECORDED in body and "tongxing kb import" in body and "tongxing check" in body
    assert "未记录" in body and "<svg" not in body  # no bar of nothing for every city
    assert "<td>否</td>" not in body  # nothing says the city has not published
