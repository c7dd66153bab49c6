"""Topics, services and guided applications by name: a report's tables hold ids (`school`,
`fj_compulsory_education`); `with_names` adds, right after each such column, a column of the same
id's name in the reader's language (`topic_name`, `service_name`, `flow_name`), and points the chart
at the names. The id column stays, for machines (the CSV header, the JSON keys); the console's page
shows only the names (`HUMAN_HIDDEN`).

Where the names come from (nothing is written twice):
- a service: its title in the knowledge base, in the reader's language (the knowledge base's own
  translations for English, the Traditional script for zh_Hant: `knowledge.answer.service_texts`);
- a topic: the title of the service that names it on the assistant's buttons and in the hotline's
  /v1/topics (`dialogues.engine.topic_titles`: the national item of the topic, else its first item);
- a guided application: its flow's title (dialogues/flows/*.yaml, in the Babel catalogs).
An id that has no name (a topic retired from the knowledge base) keeps its id as its name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from bot.reports.report import Cell, Chart, Report, Table
from core.i18n import N_, Translator
from dialogues.engine import topic_titles
from dialogues.flow import FlowSet
from knowledge.answer import service_texts
from knowledge.catalog import KnowledgeBase

# id column -> (its name column, the name column's heading, zh_Hans marked for translation)
NAMED: dict[str, tuple[str, str]] = {
    "topic": ("topic_name", N_("主题")),
    "service": ("service_name", N_("服务")),
    "flow": ("flow_name", N_("引导办理")),
}
ID_HEADING = "{heading}（编号）"  # the id column's heading in the JSON (no page shows it)
# the id columns a page for people leaves out (their names are beside them)
HUMAN_HIDDEN = frozenset(NAMED)


@dataclass(frozen=True)
class Names:
    """What names an id of each kind: the knowledge base and the flows' titles (zh_Hans)."""

    kb: KnowledgeBase
    flow_titles: Mapping[str, str]

    def of(self, column: str, ident: str, t: Translator) -> str:
        if column == "service" and ident in self.kb.by_id:
            return service_texts(self.kb, ident, t)[0]
        if column == "topic":
            service = self.topic_services.get(ident)
            if service is not None:
                return service_texts(self.kb, service, t)[0]
        if column == "flow" and ident in self.flow_titles:
            return t.gettext(self.flow_titles[ident])
        return ident

    @cached_property
    def topic_services(self) -> dict[str, str]:
        return topic_titles(self.kb)

    def for_reader(self, t: Translator) -> Callable[[str, str], str]:
        """`name(column, id)` in `t`'s language, for `with_names`."""
        return lambda column, ident: self.of(column, ident, t)


def names_of(kb: KnowledgeBase, flows: FlowSet) -> Names:
    return Names(kb, {flow_id: flow.title for flow_id, flow in flows.flows.items()})


def with_names(report: Report, name: Callable[[str, str], str]) -> Report:
    """The report with a name column after each id column of NAMED; `name(column, id)` names one.
    A cell that is not an id (None, "-") is left as it is in the name column."""
    return replace(report, tables=tuple(_named(table, name) for table in report.tables))


def _named(table: Table, name: Callable[[str, str], str]) -> Table:
    at = [index for index, column in enumerate(table.columns) if column in NAMED]
    if not at:
        return table
    columns: list[str] = []
    labels: list[str] = []
    for index, column in enumerate(table.columns):
        heading = table.labels[index] if index < len(table.labels) else column
        if column in NAMED:
            name_column, name_heading = NAMED[column]
            columns += [column, name_column]
            labels += [ID_HEADING.format(heading=heading), name_heading]
        else:
            columns.append(column)
            labels.append(heading)

    def row_of(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
        cells: list[Cell] = []
        for index, cell in enumerate(row):
            cells.append(cell)
            if index in at:
                column = table.columns[index]
                cells.append(name(column, cell) if isinstance(cell, str) and cell != "-" else cell)
        return tuple(cells)

    chart = table.chart
    if chart is not None:
        chart = Chart(
            chart.kind,
            _name_of(chart.label),
            chart.value,
            _name_of(chart.series) if chart.series else None,
        )
    return replace(
        table,
        columns=tuple(columns),
        rows=tuple(row_of(row) for row in table.rows),
        labels=tuple(labels) if table.labels else (),
        chart=chart,
    )


def _name_of(column: str) -> str:
    return NAMED[column][0] if column in NAMED else column


def for_people(table: Table) -> Table:
    """The table without the id columns whose names stand beside them (what a page shows)."""
    keep = [index for index, column in enumerate(table.columns) if column not in HUMAN_HIDDEN]
    if len(keep) == len(table.columns):
        return table
    return replace(
        table,
        columns=tuple(table.columns[i] for i in keep),
        rows=tuple(tuple(row[i] for i in keep) for row in table.rows),
        labels=tuple(table.labels[i] for i in keep) if table.labels else (),
    )
