"""Knowledge gaps: what families asked that the knowledge base could not answer, grouped into themes
(bot/reports/theme.py) with counts and a few examples, the examples scrubbed of names, numbers and
places (bot/reports/scrub.py) by the scheduled refresh; questions not refreshed yet wait for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.reports.refresh import GAPS, refreshed_at
from bot.reports.registry import Inputs, day_start, report
from bot.reports.report import Chart, Count, RawCell, RawTable, Report, Scope
from bot.reports.suppression import SUPPRESSED, suppress
from bot.reports.theme import group
from bot.storage.models import UnansweredQuestion
from core.i18n import N_

EXAMPLES = 3
THEMES = 30


@report("gaps")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    start = day_start(since, inputs.zone)
    model = UnansweredQuestion
    query = (
        select(model.terms, model.family, func.count())
        .where(
            scope.where(model), model.created_at >= start, model.created_at <= now, model.terms.is_not(None)
        )
        .group_by(model.terms, model.family)
    )
    signatures: dict[str, dict[str, int]] = {}
    for terms, family, count in session.execute(query):
        families = signatures.setdefault(terms or "", {})
        if family is None:  # asked outside a conversation (the hotline, the CLI): each its own asker
            for n in range(int(count)):
                families[f"anonymous:{terms}:{n}"] = 1
        else:
            families[family] = int(count)
    themes = group(signatures)[:THEMES]
    rows: list[tuple[RawCell, ...]] = [
        (
            theme.name(),
            Count(theme.questions, len(theme.families)),
            Count(len(theme.families), len(theme.families)),
            "",
        )
        for theme in themes
    ]
    (table,) = suppress(
        (
            RawTable(
                N_("知识库答不上的问题（按主题）"),
                ("theme", "questions", "families", "examples"),
                tuple(rows),
                Chart("bar", "theme", "questions"),
                (N_("主题"), N_("问题数"), N_("家庭数"), N_("例子（已去掉姓名、号码和地点）")),
            ),
        )
    )
    shown = []
    for theme, row in zip(themes, table.rows, strict=True):
        examples = (
            ""
            if row[1] == SUPPRESSED
            else " | ".join(_examples(session, scope, start, now, theme.signatures))
        )
        shown.append((*row[:3], examples))
    fresh = refreshed_at(session, GAPS)
    table = replace(table, rows=tuple(shown))
    fresh_as_of = min(fresh, now) if fresh is not None else start
    return Report("gaps", N_("知识库的缺口"), scope, since, now, fresh_as_of, (table,))


def _examples(
    session: Session, scope: Scope, start: datetime, now: datetime, signatures: list[str]
) -> list[str]:
    model = UnansweredQuestion
    found = session.scalars(
        select(model.scrubbed)
        .where(
            scope.where(model),
            model.created_at >= start,
            model.created_at <= now,
            model.terms.in_(signatures[:50]),
        )
        .distinct()
        .limit(EXAMPLES)
    ).all()
    return [text for text in found if text]
