"""Answer quality: how parents rated the answers of each service (有帮助 / 没帮助 / 找社工), and the
services most often followed by a request for a person (a ticket opened right after their answer)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.reports.query import counts
from bot.reports.registry import Inputs, report
from bot.reports.report import Chart, Count, RawCell, RawTable, Report, Scope
from bot.reports.suppression import suppress
from bot.storage.models import AnswerFeedback, TurnLog
from core.i18n import N_

RATINGS = ("helpful", "not_helpful", "human")
TOP = 10
NONE = Count(0, 0)


@report("quality")
def build(session: Session, scope: Scope, since: date, now: datetime, inputs: Inputs) -> Report:
    until = now.astimezone(inputs.zone).date()
    rated = counts(
        session, AnswerFeedback, [AnswerFeedback.service, AnswerFeedback.rating], scope, since, until
    )
    totals = counts(session, AnswerFeedback, [AnswerFeedback.service], scope, since, until)
    services = sorted(totals, key=lambda key: (-totals[key].value, key))
    rating_rows: list[tuple[RawCell, ...]] = [
        (service, *(rated.get((service, rating), NONE) for rating in RATINGS), totals[(service,)])
        for (service,) in services
    ]
    followed = counts(
        session,
        TurnLog,
        [TurnLog.after_service],
        scope,
        since,
        until,
        TurnLog.handoff.is_(True),
        TurnLog.after_service.is_not(None),
    )
    top = sorted(followed, key=lambda key: (-followed[key].value, key))[:TOP]
    tables = suppress(
        (
            RawTable(
                N_("家长对回答的评价（按服务）"),
                ("service", "helpful", "not_helpful", "human", "ratings"),
                tuple(rating_rows),
                Chart("bar", "service", "not_helpful"),
                (N_("服务"), N_("有帮助"), N_("没帮助"), N_("找社工"), N_("评价数")),
                # the three ratings add up to the row's total
                totals=tuple(
                    tuple((row, column) for column in (1, 2, 3, 4)) for row in range(len(rating_rows))
                ),
            ),
            RawTable(
                N_("回答之后最常转社工的服务"),
                ("service", "handoffs"),
                tuple((key[0], followed[key]) for key in top),
                Chart("bar", "service", "handoffs"),
                (N_("服务"), N_("转社工次数")),
            ),
        )
    )
    return Report("quality", N_("回答的质量"), scope, since, now, now, tables)
