"""City lists: for each city of a province the knowledge base covers, whether it has published its
own service list (a city layer in knowledge/data), whether the list covers every item of the
province's (不得低于省级清单), when it was last updated (the date of the newest city-list document its
items cite, documents.yaml) and, where the province sets a period (bot/reports/data/list_rules.yaml:
Fujian, every two years), when it is due and whether it is overdue. No counts: nothing to suppress.

The report knows only the lists recorded in the knowledge base. A city with none recorded is
"not_recorded" (未记录), never "no": that nobody has recorded its list does not say the city failed to
publish one, so its coverage, dates and due state are left empty. The notes say how a list is
recorded (RECORD_HOW) and, while no city in the scope has one, say that plainly (NONE_RECORDED)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.reports.list_rules import ListRule, load_list_rules
from bot.reports.registry import Inputs, report
from bot.reports.report import Cell, Chart, Report, Scope, Table
from core.i18n import N_
from core.lexicon import load_lexicon
from knowledge.catalog import KnowledgeBase
from knowledge.schema import Source

NOT_RECORDED = "not_recorded"
NONE_RECORDED = N_(
    "还没有记录任何城市的服务清单。表中的“未记录”只说明知识库里还没有这个城市的清单，"
    "不说明这个城市没有发布；是否覆盖省级清单、何时到期，要等清单记录以后才能算。"
)
RECORD_HOW = N_(
    "怎样记录一个城市发布的清单：用 tongxing kb import 导入清单表格（--province、--city，"
    "并用 --document-id、--document-title、--document-date、--issuer 登记清单文件）。"
    "它写成 knowledge/data/cities/<省>/<市>.yaml（格式见 knowledge/schema.py，"
    "每项用 covers 写明对应的省级条目），"
    "清单文件登记在 knowledge/data/documents.yaml（kind: city_list，写明发布日期）；"
    "tongxing check 校验这些文件。"
)


@report("lists")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    if inputs.kb is None:
        raise ValueError("the lists report needs the knowledge base (Inputs.kb)")
    kb = inputs.kb
    lexicon = inputs.lexicon or load_lexicon()
    rules = load_list_rules()
    today = now.astimezone(inputs.zone).date()
    rows = []
    for province in kb.provinces:
        if scope.province not in (None, province):
            continue
        cities = sorted(
            {
                place.id
                for place in lexicon.places
                if place.kind == "city" and place.province == province and scope.city in (None, place.id)
            }
        )
        for city in cities:
            rows.append(_row(kb, province, city, rules.get(province), today))
    table = Table(
        N_("各市的服务清单"),
        (
            "province",
            "city",
            "published",
            "services",
            "covers_province",
            "missing",
            "last_updated",
            "due_on",
            "due",
        ),
        tuple(rows),
        Chart("bar", "city", "services"),
        (
            N_("省"),
            N_("市"),
            N_("已发布清单"),
            N_("服务项数"),
            N_("覆盖省级清单"),
            N_("缺少的省级条目"),
            N_("最近更新"),
            N_("应更新日期"),
            N_("到期"),
        ),
    )
    notes = tuple(
        N_("{province}：清单每{months}个月更新一次（{document}，{item}）。").format(
            province=province, months=rule.every_months, document=rule.document, item=rule.item
        )
        for province, rule in sorted(rules.items())
        if scope.province in (None, province)
    )
    recorded = [row for row in rows if row[2] != NOT_RECORDED]
    if not recorded:
        table = replace(table, chart=None)  # no list recorded: a bar of nothing for every city says nothing
        notes = (NONE_RECORDED, RECORD_HOW, *notes)
    elif len(recorded) < len(rows):
        notes = (*notes, RECORD_HOW)
    return Report("lists", N_("各市的服务清单"), scope, since, now, now, (table,), notes)


def _row(kb: KnowledgeBase, province: str, city: str, rule: ListRule | None, today: date) -> tuple[Cell, ...]:
    items = kb.layer("city", province, city)
    if not items:  # nothing recorded: not known whether the city has published one
        return (province, city, NOT_RECORDED, None, None, None, None, None, None)
    provincial = {item.id for item in kb.layer("province", province)}
    covered = {target for item in items for target in item.service.covers}
    missing = sorted(provincial - covered)
    updated = _last_updated(
        kb, [source for item in items for source in (item.service.source, *item.service.also_sources)]
    )
    due_on = _add_months(updated, rule.every_months) if rule and updated else None
    due = None if rule is None else ("yes" if due_on is None or due_on <= today else "no")
    return (
        province,
        city,
        "yes",
        len(items),
        "no" if missing else "yes",
        " ".join(missing) or None,
        updated.isoformat() if updated else None,
        due_on.isoformat() if due_on else None,
        due,
    )


def _last_updated(kb: KnowledgeBase, sources: list[Source]) -> date | None:
    dates = [
        kb.documents[source.document].date
        for source in sources
        if source.document in kb.documents and kb.documents[source.document].kind == "city_list"
    ]
    return max(dates) if dates else None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))
