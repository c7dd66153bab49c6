"""Topics, services and guided applications by name (bot/reports/label.py): the id stays in its own
column for machines, its name in the reader's language stands beside it, charts draw the names, and
a page for people shows the names only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from bot.reports.label import Names, for_people, names_of, with_names
from bot.reports.render import to_csv, to_json
from bot.reports.report import Chart, Report, Scope, Table
from core.i18n import Translator
from core.taxonomy import Taxonomy
from dialogues.engine import topic_titles
from dialogues.flow import FLOWS_DIR
from dialogues.flow_validator import load_flows
from knowledge.answer import service_texts
from knowledge.catalog import KnowledgeBase

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def names(kb: KnowledgeBase, taxonomy: Taxonomy) -> Names:
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), kb.document_provinces)
    return names_of(kb, flows)


def _report(kb: KnowledgeBase) -> Report:
    service = next(item.id for item in kb.items if item.topic == "medical_insurance")
    tables = (
        Table(
            "各类问题的数量",
            ("topic", "questions"),
            (("compulsory_education", 12), ("medical_insurance", "<5")),
            Chart("bar", "topic", "questions"),
            ("主题", "问题数"),
        ),
        Table(
            "评价",
            ("service", "helpful"),
            ((service, 7),),
            Chart("bar", "service", "helpful"),
            ("服务", "有帮助"),
        ),
        Table(
            "每周",
            ("week", "topic", "questions"),
            (("2026-11-02", "preschool", 6),),
            Chart("line", "week", "questions", series="topic"),
            ("周", "主题", "问题数"),
        ),
        Table(
            "停在哪一步",
            ("flow", "step", "families"),
            (("residence_permit", "-", 5), ("-", "-", 0)),
            Chart("bar", "step", "families", series="flow"),
            ("引导", "步骤", "家庭数"),
        ),
    )
    return Report("demand", "家长问什么", Scope("fujian"), date(2026, 11, 1), NOW, NOW, tables)


def _topic_name(kb: KnowledgeBase, topic: str, t: Translator) -> str:
    return service_texts(kb, topic_titles(kb)[topic], t)[0]


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_each_topic_and_service_gets_its_name_in_the_readers_language_beside_its_id(
    kb: KnowledgeBase, names: Names, locale: str
) -> None:
    t = Translator(locale)
    named = with_names(_report(kb), names.for_reader(t))
    topics, services, weeks, flows = named.tables
    assert topics.columns == ("topic", "topic_name", "questions")
    assert topics.rows[0][:2] == ("compulsory_education", _topic_name(kb, "compulsory_education", t))
    assert topics.rows[1][2] == "<5"  # the figures are untouched
    service = services.rows[0][0]
    assert services.columns == ("service", "service_name", "helpful")
    assert services.rows[0][1] == service_texts(kb, str(service), t)[0]
    assert weeks.rows[0] == ("2026-11-02", "preschool", _topic_name(kb, "preschool", t), 6)
    assert flows.rows[0][1] == t.gettext("办居住证") != "residence_permit"
    assert flows.rows[1][:2] == ("-", "-")  # not an id: nothing to name
    for table in named.tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row, strict=True):
                if column.endswith("_name") and cell != "-":
                    assert cell != row[table.columns.index(column[: -len("_name")])]


def test_english_names_are_english_and_traditional_names_are_in_the_traditional_script(
    kb: KnowledgeBase, names: Names
) -> None:
    english = with_names(_report(kb), names.for_reader(Translator("en"))).tables[0].rows[0][1]
    hant = with_names(_report(kb), names.for_reader(Translator("zh_Hant"))).tables[0].rows[0][1]
    hans = with_names(_report(kb), names.for_reader(Translator("zh_Hans"))).tables[0].rows[0][1]
    assert isinstance(english, str) and english.isascii()
    assert hans == "上小学、初中"
    assert hant == "上小學、初中"


def test_charts_draw_the_names_and_a_page_shows_the_names_without_the_ids(
    kb: KnowledgeBase, names: Names
) -> None:
    named = with_names(_report(kb), names.for_reader(Translator("zh_Hans")))
    topics, _, weeks, flows = named.tables
    assert topics.chart == Chart("bar", "topic_name", "questions")
    assert weeks.chart == Chart("line", "week", "questions", series="topic_name")
    assert flows.chart == Chart("bar", "step", "families", series="flow_name")
    page = for_people(topics)
    assert page.columns == ("topic_name", "questions")
    assert page.labels == ("主题", "问题数")
    assert "compulsory_education" not in str(page.rows)


def test_the_csv_and_json_keep_the_id_for_machines_and_add_the_name(kb: KnowledgeBase, names: Names) -> None:
    named = with_names(_report(kb), names.for_reader(Translator("en")))
    data = json.loads(to_json(named))
    first = data["tables"][0]["rows"][0]
    assert first["topic"] == "compulsory_education"
    assert first["topic_name"] == _topic_name(kb, "compulsory_education", Translator("en"))
    rows = list(csv.reader(io.StringIO(to_csv(named))))
    header = next(row for row in rows if row and row[0] == "topic")
    assert header == ["topic", "topic_name", "questions"]
    assert ["compulsory_education", first["topic_name"], "12"] in rows


def test_an_id_without_a_name_keeps_its_id_as_its_name(names: Names) -> None:
    assert names.of("topic", "retired_topic", Translator("en")) == "retired_topic"
    assert names.of("service", "no_such_service", Translator("en")) == "no_such_service"
