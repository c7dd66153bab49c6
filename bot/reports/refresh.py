"""The summaries the scheduler keeps up to date for the reports (bot/jobs.py ticks `refresh`): the
scrubbed copy of each new question without an answer and its terms (what the gap report groups into
themes), so no report tokenises or scrubs thousands of questions while someone waits. Each run
records its time in report_refresh: the gap report says it is fresh as of then."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.reports.scrub import scrub
from bot.storage.models import ReportRefresh, UnansweredQuestion
from core.database import transaction
from core.lexicon import Lexicon
from core.tokenizer import Tokenizer

GAPS = "gaps"
BATCH = 500
# words every question has: they would put every question in one theme
COMMON = frozenset(
    {"孩子", "小孩", "我", "我们", "你", "什么", "怎么", "怎么办", "可以", "能", "要", "吗", "的"}
)


def gap_terms(tokenizer: Tokenizer, scrubbed: str) -> str:
    """The terms of a scrubbed question, sorted, space-separated (the placeholders left out)."""
    clean = scrubbed
    for marker in ("[", "]"):
        clean = clean.replace(marker, " ")
    terms, _ = tokenizer.query(clean)
    kept = sorted({term for term in terms if term not in COMMON and term not in _PLACEHOLDER_WORDS})
    return " ".join(kept)[:200]


_PLACEHOLDER_WORDS = frozenset({"姓名", "电话", "证件号", "车牌", "邮箱", "地址", "地点", "数字"})


def refresh(sessions: sessionmaker[Session], tokenizer: Tokenizer, lexicon: Lexicon, now: datetime) -> int:
    """Scrub and tokenise the questions not done yet; returns how many were done."""
    names = [name for name in lexicon.every_place_name]
    done = 0
    while True:
        with transaction(sessions) as session:
            rows = session.scalars(
                select(UnansweredQuestion)
                .where(UnansweredQuestion.terms.is_(None))
                .order_by(UnansweredQuestion.id)
                .limit(BATCH)
            ).all()
            for row in rows:
                row.scrubbed = scrub(row.text, names)[:2000]
                row.terms = gap_terms(tokenizer, row.scrubbed)
            done += len(rows)
            if len(rows) < BATCH:
                mark(session, GAPS, now)
                return done


def mark(session: Session, name: str, now: datetime) -> None:
    values = {"name": name, "refreshed_at": now}
    if session.get_bind().dialect.name == "postgresql":
        upsert: Any = pg_insert(ReportRefresh).values(**values)
    else:
        upsert = sqlite_insert(ReportRefresh).values(**values)
    session.execute(upsert.on_conflict_do_update(index_elements=["name"], set_={"refreshed_at": now}))


def refreshed_at(session: Session, name: str) -> datetime | None:
    found = session.scalar(select(ReportRefresh.refreshed_at).where(ReportRefresh.name == name))
    return found.replace(tzinfo=UTC) if found is not None and found.tzinfo is None else found
