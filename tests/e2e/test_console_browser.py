"""The worker console in a real browser (headless Chromium at a tablet's size) against the real server,
with a parent in another browser context on the web chat: the parent asks for a person, a worker of
the family's district signs in, sees the ticket, claims it and replies; the parent's page shows the
reply without reloading; the parent's next message appears in the worker's transcript without
reloading; the worker hands back and the parent is told; a worker of another district neither sees
the ticket nor opens it by its URL. The same with a parent on Telegram (the emulator) in the middle of
a guided flow, whose flow resumes at its step after the hand-back. A city supervisor opens the
reports page, sees its charts (SVG drawn by the server, bars and lines) and nothing of another city,
also by editing the address."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from bot.storage.models import HandoffTicket
from bot.storage.workers import WorkerError, Workers
from core.database import transaction
from tests.bot.server.turn_rows import FUZHOU_MARKS, log_questions
from tests.e2e.conftest import LIVE_TELEGRAM_TOKEN, LiveServer
from tests.e2e.test_telegram_e2e import Parent, texts

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console-reports.png"

TABLET = {"width": 820, "height": 1180}
PASSWORD = "a browser test password"
TIMEOUT_MS = 20_000
POLL_MS = 15_000  # the pages poll every 5 s (console) and 10 s (web chat)


@pytest.fixture
def contexts(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, BrowserContext]]:
    made = {
        "parent": browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN"),
        "worker": browser.new_context(viewport=TABLET, locale="zh-CN"),
        "other": browser.new_context(viewport=TABLET, locale="zh-CN"),
    }
    for context in made.values():
        context.set_default_timeout(TIMEOUT_MS)
    yield made
    for context in made.values():
        context.close()


def create_workers(live_server: LiveServer) -> None:
    application = live_server.application
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast to check in tests
    workers = Workers(application.storage.sessions, cheap)
    now = application.clock.now()
    for login, name, district in (("e2e_wang", "王社工", "siming"), ("e2e_li", "李社工", "huli")):
        with contextlib.suppress(WorkerError):  # made by an earlier test of this session
            workers.create(login, name, PASSWORD, "worker", now, city="xiamen", districts=[district])


def sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待处理的对话")).to_be_visible()


def test_a_worker_takes_a_web_chat_parent_over_and_hands_back(
    contexts: dict[str, BrowserContext], live_server: LiveServer
) -> None:
    base = live_server.url
    create_workers(live_server)
    parent = contexts["parent"].new_page()
    parent.goto(f"{base}/")
    parent.fill("#message", "/human")
    parent.press("#message", "Enter")
    parent.locator("#log").get_by_role("button", name="可以", exact=True).last.click()
    expect(parent.locator("#log li.message.assistant")).to_have_count(3)  # welcome, question, answer

    application = live_server.application
    with transaction(application.storage.sessions) as session:
        ticket = session.scalars(select(HandoffTicket).order_by(HandoffTicket.id.desc())).first()
        assert ticket is not None and ticket.user_key.startswith("web:")
        # the family's district, as a flow would have stored it had the parent named 思明区
        ticket.city, ticket.district = "xiamen", "siming"
        ticket_id = ticket.id

    worker = contexts["worker"].new_page()
    sign_in(worker, base, "e2e_wang")
    worker.locator(f'a[href="/console/tickets/{ticket_id}"]').click()
    expect(worker.locator("#transcript")).to_contain_text("/human")
    worker.get_by_role("button", name="认领这个对话").click()
    expect(worker.locator(".notice")).to_contain_text("你已认领")
    expect(parent.locator("#log")).to_contain_text(
        "社工王社工来了", timeout=POLL_MS
    )  # collected from the outbox

    worker.fill("#reply-text", "您好，我是王社工，想了解一下孩子的情况。")
    worker.get_by_role("button", name="发送", exact=True).click()
    expect(worker.locator(".notice")).to_contain_text("已保存")
    expect(parent.locator("#log")).to_contain_text(
        "想了解一下孩子的情况", timeout=POLL_MS
    )  # without reloading
    expect(parent.locator("#log")).to_contain_text("—— 社工 王社工", timeout=POLL_MS)

    parent.fill("#message", "孩子8岁，刚来厦门")
    parent.press("#message", "Enter")
    expect(worker.locator("#transcript")).to_contain_text(
        "孩子8岁，刚来厦门", timeout=POLL_MS
    )  # polled, no reload

    other = contexts["other"].new_page()
    sign_in(other, base, "e2e_li")
    expect(other.locator(f'a[href="/console/tickets/{ticket_id}"]')).to_have_count(0)
    guessed = other.goto(f"{base}/console/tickets/{ticket_id}")
    assert guessed is not None and guessed.status == 404
    polled = other.goto(f"{base}/console/tickets/{ticket_id}/messages.json")
    assert polled is not None and polled.status == 404

    worker.get_by_role("button", name="交回给助手").click()
    expect(worker.locator(".notice")).to_contain_text("已交回")
    expect(parent.locator("#log")).to_contain_text("社工把对话交回给我了", timeout=POLL_MS)
    worker.select_option("select[name=outcome]", "resolved")
    worker.get_by_role("button", name="结案").click()
    expect(worker.locator("#status")).to_have_text(re.compile("已结案"))

    # the family's child marked as key with the parent's consent (by phone); its contact done
    worker.locator("#key-child").click()
    worker.check("input[name=consent]")
    worker.select_option("select[name=consent_method]", "phone")
    worker.get_by_role("button", name="标记为重点关爱", exact=True).click()
    expect(worker.locator(".notice")).to_contain_text("已标记为重点关爱儿童")
    worker.get_by_role("link", name="走访提醒").click()
    worker.locator("form.due").first.get_by_role("button", name="已完成").click()
    expect(worker.locator(".notice")).to_contain_text("已记录，下一次的日期已排好")


def test_a_city_supervisor_sees_the_reports_charts_of_their_city_and_nothing_of_another(
    contexts: dict[str, BrowserContext], live_server: LiveServer, tmp_path: Path
) -> None:
    base = live_server.url
    application = live_server.application
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with contextlib.suppress(WorkerError):  # made by an earlier run of this test in the session
        Workers(application.storage.sessions, cheap).create(
            "e2e_zhao", "赵督导", PASSWORD, "supervisor", application.clock.now(), city="xiamen"
        )
    log_questions(application.storage.sessions, application.clock.now(), application.clock.zone, seed=27)

    supervisor = contexts["worker"].new_page()
    sign_in(supervisor, base, "e2e_zhao")
    supervisor.get_by_role("link", name="报表").click()
    expect(supervisor.get_by_role("heading", name="报表", exact=True)).to_be_visible()
    supervisor.get_by_role("link", name=re.compile("家长问什么")).click()
    expect(supervisor.get_by_role("heading", name="家长问什么")).to_be_visible()
    expect(supervisor.locator("#fresh")).to_contain_text("数据更新于")
    charts = supervisor.locator("svg.chart")
    expect(charts).to_have_count(3)  # by topic, by district, by week
    assert supervisor.locator("svg.chart rect.bar").count() >= 3
    assert supervisor.locator("svg.chart polyline").count() >= 1
    expect(supervisor.locator("td.suppressed").first).to_have_text("<5")
    expect(supervisor.locator("select[name=place] option")).to_contain_text(["厦门"])
    body = supervisor.content()
    assert "思明" in body and "school" in body
    for mark in FUZHOU_MARKS:
        assert mark not in body, mark
    # the tablet layout: nothing wider than the screen
    assert supervisor.evaluate("document.scrollingElement.scrollWidth") <= TABLET["width"]
    target = SCREENSHOT if os.environ.get("TONGXING_UPDATE_SCREENSHOTS") else tmp_path / "reports.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    supervisor.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000

    for query in ("place=fuzhou", "city=fuzhou", "district=gulou"):
        refused = supervisor.goto(f"{base}/console/reports/demand?{query}")
        assert refused is not None and refused.status == 403
        assert "residence_permit" not in supervisor.content()
    exported = supervisor.request.get(f"{base}/console/reports/demand.json?place=fuzhou")
    assert exported.status == 403


def test_a_telegram_parent_mid_flow_is_taken_over_in_the_browser_and_resumes_at_the_step(
    contexts: dict[str, BrowserContext], live_server: LiveServer, telegram_emulator: str
) -> None:
    """The parent on Telegram (the emulator) starts the residence-permit flow, answers one step, asks
    for a person; a Siming worker claims and replies in Chromium; the reply reaches the chat signed;
    the hand-back puts the parent back at the step they had reached, which they then answer."""
    base = live_server.url
    create_workers(live_server)
    parent = Parent(telegram_emulator, LIVE_TELEGRAM_TOKEN, chat_id=9301)
    parent.say("/start")
    menu = parent.replies()
    parent.press("办居住证", menu)
    consent = parent.replies()
    parent.press("同意", consent)
    step = parent.replies()
    if "哪个城市" in texts(step):  # the flow's city step
        parent.say("厦门")
        step = parent.replies()
    parent.press("给孩子办", step)  # one step answered
    step = parent.replies()
    # the step reached: its question ("第3步，共6步：...？"), with buttons
    question = next(line for line in texts(step).splitlines() if "步：" in line)
    assert any(stored["message"].get("reply_markup") for stored in step)

    parent.say("/human")
    asked = parent.replies()
    if "可以" in str([stored["message"].get("reply_markup") for stored in asked]):
        parent.press("可以", asked)  # consent to hand the conversation to a person
        asked = parent.replies()
    assert "哪个区" in texts(asked)  # only the city is known: the district is asked, with buttons
    parent.press("思明", asked)
    parent.replies()
    application = live_server.application
    with transaction(application.storage.sessions) as session:
        ticket = session.scalars(
            select(HandoffTicket)
            .where(HandoffTicket.user_key == "telegram:9301")
            .order_by(HandoffTicket.id.desc())
        ).first()
        assert ticket is not None and ticket.status == "open"
        assert (ticket.city, ticket.district) == ("xiamen", "siming")  # as the parent answered
        ticket_id = ticket.id

    worker = contexts["worker"].new_page()
    sign_in(worker, base, "e2e_wang")
    worker.locator(f'a[href="/console/tickets/{ticket_id}"]').click()
    expect(worker.locator("#transcript")).to_contain_text("/human")
    worker.get_by_role("button", name="认领这个对话").click()
    expect(worker.locator(".notice")).to_contain_text("你已认领")
    assert "王社工" in texts(parent.replies())  # told who took over

    worker.fill("#reply-text", "您好，我是王社工，办居住证的事我来帮您。")
    worker.get_by_role("button", name="发送", exact=True).click()
    expect(worker.locator(".notice")).to_contain_text("已发送")
    heard = texts(parent.replies())
    assert "办居住证的事我来帮您" in heard and "—— 社工 王社工" in heard

    other = contexts["other"].new_page()
    sign_in(other, base, "e2e_li")
    expect(other.locator(f'a[href="/console/tickets/{ticket_id}"]')).to_have_count(0)
    for guessed_path in (f"/console/tickets/{ticket_id}", f"/console/tickets/{ticket_id}/messages.json"):
        guessed = other.goto(f"{base}{guessed_path}")
        assert guessed is not None and guessed.status == 404
        assert "办居住证的事我来帮您" not in other.content()

    worker.get_by_role("button", name="交回给助手").click()
    expect(worker.locator(".notice")).to_contain_text("已交回")
    back = parent.replies()
    assert "交回" in texts(back)
    assert question in texts(back)  # the flow resumes at its step: the question asked again
    parent.press("是", back)
    assert "几岁" in texts(parent.replies())  # and the step's answer moves the flow on
