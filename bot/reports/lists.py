"""City lists: for each city of a province the knowledge base covers, whether it has published its
own service list (a city layer in knowledge/data), whether the list covers every item of the
province's (不得低于省级清单), when it was last updated (the date of the newest city-list document its
items cite, documents.yaml) and, where the province sets a period (bot/reports/data/list_rules.yaml:
Fujian, every two years), when it is due and whether it is overdue. No counts: nothing to suppress."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.reports.list_rules import ListRule, load_list_rules
from bot.reports.registry import Inputs, report
from bot.reports.report import Cell, Chart, Report, Scope, Table
from core.i18n import N_
from core.lexicon import load_lexicon
from knowledge.catalog import KnowledgeBase
from knowledge.schema import Source


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
    return Report("lists", N_("各市的服务清单"), scope, since, now, now, (table,), notes)


def _row(kb: KnowledgeBase, province: str, city: str, rule: ListRule | None, today: date) -> tuple[Cell, ...]:
    items = kb.layer("city", province, city)
    if not items:
        return (province, city, "no", 0, "no", None, None, None, "yes" if rule else None)
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
