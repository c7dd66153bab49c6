"""Short first, more on request: checklist pieces lose nothing; answer parts keep every caveat;
the typed payload of a part renders within a button's limit and parses back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.i18n import Translator
from dialogues.checklist_text import checklist_pieces, render_checklist
from dialogues.navigation import load_navigation
from dialogues.payload import MAX_BYTES, AnswerPart, parse, render
from dialogues.state import Checklist, ChecklistLine, KeyDate
from knowledge.answer import PARTS, make_answer, render_brief, render_part
from knowledge.catalog import KnowledgeBase
from knowledge.index import Hit


def test_checklist_pieces_are_one_per_section_and_lose_nothing() -> None:
    checklist = Checklist(
        flow_id="residence_permit",
        title="办居住证",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
        lines=[
            ChecklistLine(
                section=section, text=f"{section} line", why="因为", source="方案", source_item="第1项"
            )
            for section in ("applies", "bring", "where", "watch")
        ],
        dates=[KeyDate(id="due", label="签注", start=date(2025, 4, 1))],
    )
    t = Translator("zh_Hans")
    pieces = checklist_pieces(checklist, t, date(2025, 3, 1), 30)
    assert len(pieces) == 5  # applies (with the title), bring, where, watch, dates with sources
    assert "\n".join(pieces) == render_checklist(checklist, t, date(2025, 3, 1), 30)
    for section in ("applies", "bring", "where", "watch"):
        assert sum(f"{section} line" in piece for piece in pieces) == 1


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_caveat_and_step_is_in_a_part_and_the_brief_names_the_source(
    kb: KnowledgeBase, locale: str
) -> None:
    t = Translator(locale)
    for item in kb.items:
        answer = make_answer(kb, Hit(item, 0.0), t)
        explained: set[str] = set()
        brief = render_brief(answer, t, explained=explained)
        assert answer.short_source in brief  # the title's short form; every part gives it in full
        parts = "\n".join(render_part(answer, part, t, explained=explained) for part in PARTS)
        assert parts.count(answer.source) == len(PARTS)
        for line in (*answer.unknowns, *answer.how, *answer.materials, *answer.provides, answer.where):
            assert line in parts, f"{item.id}: {line}"
        assert set(answer.terms) <= explained, f"{item.id}: a term never explained"


def test_answer_part_payload_round_trips_within_the_button_limit(kb: KnowledgeBase) -> None:
    for item in kb.items:
        for part in PARTS:
            raw = render(AnswerPart(part, item.id))
            assert len(raw.encode("utf-8")) <= MAX_BYTES
            assert parse(raw) == AnswerPart(part, item.id)
    assert parse("more:steal:fj_01_child_health") is None
    assert parse("more:how:") is None


def test_words_after_an_answer_name_its_parts() -> None:
    navigation = load_navigation()
    assert navigation.answer_part("要带什么？") == "bring"
    assert navigation.answer_part("怎么办") == "how"
    assert navigation.answer_part("去哪里辦", "去哪里办") == "where"
    assert navigation.answer_part("What to bring") == "bring"
    assert navigation.answer_part("孩子上学怎么办") is None  # a new question, not a part
