"""The console's pages: the case summary at the top of a ticket (and a ticket from before it still
renders), the queue paged with its counts, and every page in zh_Hans, zh_Hant and en with no source
string left untranslated (the parent's words and other data, marked data-user, aside)."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from bot.storage.desk import PAGE_SIZE
from bot.storage.models import HandoffTicket
from core.database import transaction
from core.i18n import LOCALES_DIR
from dialogues.case_summary import CaseSummary, StepAnswer, ToldAnswer
from tests.bot.server.test_console import (
    Scene,
    desk,  # noqa: F401  (the fixture, used through `scene`)
    login,
    post,
)
from tests.conftest import TODAY

HAN = re.compile(r"[\u3400-\u9fff]")
CASE = CaseSummary(
    child_age=8,
    child_stage="primary",
    residence="fujian/xiamen/siming",
    hukou="sichuan",
    flow_title="孩子上幼儿园、上学",
    flow_steps=(
        StepAnswer("孩子要上（或正在上）哪个阶段？", "小学", translatable=True),
        StepAnswer("孩子今年几岁了？", "8"),
        StepAnswer("家长有这里的居住证吗？", "否", translatable=True),
    ),
    unanswered="孩子户口在老家，能在这边参加中考吗",
    told=(ToldAnswer("随迁子女义务教育入学", "《福建省流动儿童服务清单》第2项"),),
    words="我想找个真人问问",
)


class _Chrome(HTMLParser):
    """The page's text outside elements marked data-user (the data: the family's words, names, the
    knowledge base's titles) and outside <script>/<style>."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside a data-user element (and how deep)
        self.stack: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "meta", "link", "br", "img"):
            return
        marked = any(name == "data-user" for name, _ in attrs) or self.depth > 0
        self.stack.append(marked)
        self.depth += marked
        if not marked:
            self.text += [
                value or "" for name, value in attrs if name in ("title", "aria-label", "placeholder")
            ]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("input", "meta", "link", "br", "img") or not self.stack:
            return
        self.depth -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.text.append(data)


@functools.cache
def _english_with_han() -> tuple[str, ...]:
    """English translations that keep an official Chinese term on purpose ("residence permit (居住证)")."""
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    return tuple(
        sorted(
            {
                str(message.string)
                for message in catalog
                if isinstance(message.string, str) and HAN.search(message.string)
            },
            key=len,
            reverse=True,
        )
    )


@functools.cache
def _simplified_only() -> tuple[str, ...]:
    """The catalog's source strings whose Traditional form differs (longest first)."""
    with (LOCALES_DIR / "zh_Hant" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    sources = {
        str(message.id)
        for message in catalog
        if isinstance(message.id, str)
        and message.string
        and message.string != message.id
        and len(message.id) >= 2
    }
    return tuple(sorted(sources, key=len, reverse=True))


def chrome(page: str) -> str:
    parser = _Chrome()
    parser.feed(page)
    return " ".join(part.strip() for part in parser.text if part.strip())


@pytest.fixture
def scene(request: pytest.FixtureRequest) -> Scene:
    """The console over a real App with its workers (tests/bot/server/test_console.py's `desk`)."""
    found: Scene = request.getfixturevalue("desk")
    return found


def _ticket_with_case(scene: Scene, case: CaseSummary | None) -> int:
    ticket = scene.ticket()
    with transaction(scene.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None
        row.case_summary = None if case is None else scene.application.storage.cipher.encrypt(case.to_json())
    return ticket


def test_the_ticket_page_shows_the_case_summary_at_the_top(scene: Scene) -> None:
    ticket = _ticket_with_case(scene, CASE)
    page = login(scene.client, "wang").get(f"/console/tickets/{ticket}").text
    block = page[page.index('class="case"') : page.index('class="facts"')]
    for shown in (
        "8 岁",
        "小学",
        "福建 / 厦门 / 思明",  # place names, not ids
        "四川",
        "孩子上幼儿园、上学",
        "家长有这里的居住证吗？",
        "中考",
        "随迁子女义务教育入学",
        "第2项",
        "我想找个真人问问",
    ):
        assert shown in block, shown
    assert page.index('class="case"') < page.index('id="transcript"')


def test_the_case_summary_is_stored_encrypted_on_the_ticket(scene: Scene) -> None:
    ticket = _ticket_with_case(scene, CASE)
    with transaction(scene.application.storage.sessions) as session:
        row = session.get(HandoffTicket, ticket)
        assert row is not None and row.case_summary is not None
        assert "中考".encode() not in row.case_summary and b"primary" not in row.case_summary


def test_a_ticket_from_before_the_case_summary_still_renders_with_its_summary(scene: Scene) -> None:
    ticket = _ticket_with_case(scene, None)
    page = login(scene.client, "wang").get(f"/console/tickets/{ticket}")
    assert page.status_code == 200 and 'class="case"' not in page.text and "孩子8岁" in page.text


def test_a_ticket_opened_by_a_conversation_carries_its_case_to_the_console(scene: Scene) -> None:
    from core.message import Inbound

    conversations = scene.application.conversations
    for text in ("我在厦门思明", "/human", "可以"):
        conversations.handle(Inbound(user_id="family-7", channel="telegram", text=text))
    with transaction(scene.application.storage.sessions) as session:
        ticket = session.query(HandoffTicket).filter_by(user_key="telegram:family-7").one().id
    page = login(scene.client, "wang").get(f"/console/tickets/{ticket}").text
    assert 'class="case"' in page and "福建 / 厦门 / 思明" in page and "fujian/xiamen" not in page


def test_the_queue_shows_a_page_and_the_counts_per_urgency(scene: Scene) -> None:
    for number in range(PAGE_SIZE + 3):
        scene.clock.move_to(TODAY + timedelta(minutes=number))
        scene.ticket(urgency="urgent" if number % 10 == 0 else "normal")
    client = login(scene.client, "wang")
    first = client.get("/console").text
    ids = [int(found) for found in re.findall(r'href="/console/tickets/(\d+)"', first)]
    assert len(ids) == PAGE_SIZE and "共 53 个：紧急 6 个，一般 47 个。" in first
    second = client.get("/console?page=2").text
    rest = [int(found) for found in re.findall(r'href="/console/tickets/(\d+)"', second)]
    assert len(rest) == 3 and not set(ids) & set(rest)
    urgent_first = ids[:6]
    assert urgent_first == sorted(urgent_first)  # urgent first, each urgency first come first served
    assert ids[6:] + rest == sorted(ids[6:] + rest)
    assert client.get("/console?page=99").status_code == 200  # beyond the last page: an empty page


def _pages(scene: Scene, client: object, ticket: int) -> dict[str, str]:
    get = client.get  # type: ignore[attr-defined]
    return {
        "queue": get("/console").text,
        "ticket": get(f"/console/tickets/{ticket}").text,
        "audit": get("/console/audit").text,
    }


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_every_console_page_renders_in_the_language_chosen_with_nothing_left_untranslated(
    scene: Scene, locale: str
) -> None:
    ticket = _ticket_with_case(scene, CASE)
    client = login(scene.client, "zhao")  # a supervisor: the audit page too
    post(client, f"/console/tickets/{ticket}/claim")  # the claimed ticket: reply, note, close forms
    post(client, f"/console/tickets/{ticket}/note", text="家长晚上方便")
    client.get(f"/console?lang={locale}")  # the switch, remembered in a cookie
    pages = _pages(scene, client, ticket)
    pages["login"] = (
        scene.client.__class__(scene.client.app, base_url="https://testserver")
        .get(f"/console/login?lang={locale}")
        .text
    )
    for name, page in pages.items():
        text = chrome(page)
        assert f'lang="{locale.replace("_", "-")}"' in page, name
        if locale == "en":
            for kept in _english_with_han():
                text = text.replace(kept, "")
            assert not HAN.findall(text), (name, HAN.findall(text)[:20], text[:500])
        elif locale == "zh_Hant":
            left = [source for source in _simplified_only() if source in text]
            assert not left, (name, left)
        assert HAN.findall(text) or locale == "en", name
    if locale == "en":  # the case block's labels and the flow's own words, translated
        ticket_page = chrome(pages["ticket"])
        assert "8 years old" in ticket_page and "Primary school" in ticket_page, ticket_page


def test_dates_follow_the_language(scene: Scene) -> None:
    ticket = scene.ticket()
    client = login(scene.client, "wang")
    local = TODAY.replace(tzinfo=None)  # 09:00 UTC = 17:00 in Shanghai
    assert local.date() == date(2026, 11, 22)
    assert "2026/11/22 17:00" in client.get(f"/console/tickets/{ticket}?lang=zh_Hans").text
    assert "11/22/26, 5:00" in client.get(f"/console/tickets/{ticket}?lang=en").text
    polled = client.get(f"/console/tickets/{ticket}/messages.json").json()
    assert (
        polled["messages"] and polled["messages"][0]["who"] == "the parent"
    )  # named in the cookie's language
