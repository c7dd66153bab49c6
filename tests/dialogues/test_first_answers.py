"""The first reply to a question, for every item of the knowledge base, as a family in Fujian and
a family in Hainan gets it, in every language: short enough for a phone (about 150 Chinese
characters, or 60 English words), it says where the matter is handled, names its source (the
document and the item) and offers the rest behind buttons (issue 10, part 2)."""

from __future__ import annotations

import re

import pytest

from bot.app import App
from core.i18n import Translator
from dialogues.answers import say_answer
from dialogues.payload import AnswerPart, AskHuman, StartFlow, parse
from dialogues.state import Place, State
from dialogues.turn import Turn
from knowledge.answer import PARTS, has_part, make_answer
from knowledge.catalog import Item
from knowledge.index import Hit

LIMIT_HAN = 150  # Chinese characters, as tests/dialogues/test_bench_answers.py counts them
LIMIT_WORDS = 60  # English words
FAMILIES = {
    "fujian": Place(province="fujian", city="xiamen"),
    "hainan": Place(province="hainan", city="haikou"),
}
LOCALES = ("en", "zh_Hant", "zh_Hans")
_HAN = re.compile(r"[\u3400-\u9fff]")
# An English word: letters or digits (with an apostrophe, hyphen or point inside: "child's",
# "long-term", "1.5"), or a run of Chinese characters, which an English reader takes in as one
# name (居住证, or a document's title) to show at a counter.
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*|[\u3400-\u9fff]+")
_WHERE = (  # the line that says whether it is handled here or at the hukou place (knowledge/answer.py)
    "在哪办：在现在住的地方办。",
    "在哪办：向老家（户籍地）申请，这边可以帮忙。",
    "在哪办：在现在住的地方提出，部分手续由老家（户籍地）办理。",
    "在哪办：依据的文件没写明，先问现在住的地方的民政部门。",
)


def _glossary_prefix(t: Translator) -> str:
    return t.gettext("（说明：{glossary}）", glossary="\0").split("\0")[0]


def length(text: str, t: Translator) -> int:
    """Words (English) or Chinese characters of an answer, without the line that explains official
    terms the first time they appear (as the bench test counts)."""
    kept = "\n".join(line for line in text.splitlines() if not line.startswith(_glossary_prefix(t)))
    return len(_WORD.findall(kept)) if t.locale == "en" else len(_HAN.findall(kept))


def _items_for(app: App, province: str) -> list[Item]:
    place = FAMILIES[province]
    return [
        item
        for item in app.data.knowledge.items
        if item.province in (None, place.province) and item.city in (None, place.city)
    ]


def first_answer(app: App, item: Item, province: str, locale: str) -> Turn:
    services = app.dialogue.services
    state = State(residence=FAMILIES[province], place_asked=True, locale=locale)
    turn = Turn(services, state, services.translator(locale), services.clock.today())
    say_answer(turn, Hit(item, 0.0), [])
    return turn


def test_the_word_count_counts_english_words_and_chinese_names() -> None:
    t = Translator("en")
    assert length("Apply for a residence permit (居住证) at the child's school, long-term.", t) == 11
    assert length("【A title】Two words\n(In plain words: not counted at all)", t) == 4
    assert length("孩子能上学。\n（说明：不算）", Translator("zh_Hans")) == 5


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("province", sorted(FAMILIES))
def test_every_first_answer_is_short_says_where_names_its_source_and_offers_the_rest(
    base_app: App, province: str, locale: str
) -> None:
    items = _items_for(base_app, province)
    assert any(item.province == province for item in items) and any(item.province is None for item in items)
    limit = LIMIT_WORDS if locale == "en" else LIMIT_HAN
    too_long = []
    for item in items:
        turn = first_answer(base_app, item, province, locale)
        t = turn.t
        first = turn.replies[0]
        where = f"{province}/{locale}/{item.id}"
        if length(first.text, t) > limit:
            too_long.append(f"{where}: {length(first.text, t)}\n{first.text}")
        # where it is handled: here, or at the hukou place
        assert any(t.gettext(line) in first.text for line in _WHERE), where
        # the source: the document (its Chinese title, and in English a short translation) and the item
        answer = make_answer(base_app.data.knowledge, Hit(item, 0.0), t)
        assert t.gettext("来源：{source}", source=answer.short_source) in first.text, where
        document = base_app.data.knowledge.document_of(item.service.source)
        assert t.content(document.title) in first.text, where
        assert t.content(item.service.source.item) in first.text, where
        if locale == "en":
            short = base_app.data.knowledge.translations["en"].short_titles[document.id]
            assert short in first.text, where
        # the rest behind buttons: every part the answer has, the guided flow of its topic, a person
        payloads = [parse(button.payload) for button in first.buttons]
        parts = [payload.part for payload in payloads if isinstance(payload, AnswerPart)]
        assert parts == [part for part in PARTS if has_part(answer, part)], where
        assert {"how", "where"} <= set(parts), where
        flow = base_app.data.flows.for_topic(item.topic)
        if flow is not None:
            assert StartFlow(flow.id) in payloads, where
        assert isinstance(payloads[-1], AskHuman), where
        assert first.buttons[-1].label == t.gettext("找社工"), where
    assert not too_long, f"{len(too_long)} first answers over {limit}:\n" + "\n\n".join(too_long)
