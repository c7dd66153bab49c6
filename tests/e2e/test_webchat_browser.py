"""The web chat in a real browser (headless Chromium at a 375 px phone's size) against the real
server: a whole conversation to a checklist with button presses and typing, the language switch,
the message when the server cannot be reached, keyboard-only use, and the layout of a phone.

The browser is Playwright's sync API in a module-scoped fixture, stopped when this module ends: its
event loop would otherwise stay in the main thread and break asyncio.run in later tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer

ROOT = Path(__file__).resolve().parent.parent.parent
PHONE = {"width": 375, "height": 812}
SCREENSHOT = ROOT / "docs" / "screenshots" / "webchat.png"
TIMEOUT_MS = 20_000


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh phone-sized browser context (no cookie yet: a new parent) on the chat page."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/")
    yield page
    context.close()


def replies(page: Page) -> list[str]:
    return page.locator("#log li.message.assistant").all_inner_texts()


def wait_for_replies(page: Page, count: int) -> None:
    expect(page.locator("#log li.message.assistant")).to_have_count(count)


def type_and_send(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def press(page: Page, label: str) -> None:
    """Press the newest button with this label (older messages keep theirs)."""
    page.locator("#log").get_by_role("button", name=label, exact=True).last.click()


def test_a_whole_conversation_to_a_checklist(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    press(page, "看看孩子能享受什么")
    expect(page.locator("#log")).to_contain_text("你同意吗")
    press(page, "同意")
    expect(page.locator("#log")).to_contain_text("第1步")
    type_and_send(page, "厦门")
    expect(page.locator("#log")).to_contain_text("第2步")
    expect(page.locator("#message")).to_have_value("")  # sent: the box is empty again
    type_and_send(page, "8")
    expect(page.locator("#log")).to_contain_text("第3步")
    press(page, "否")
    expect(page.locator("#log")).to_contain_text("第4步")
    type_and_send(page, "否")
    expect(page.locator("#log")).to_contain_text("第5步")
    press(page, "否")
    expect(page.locator("#log")).to_contain_text("第6步")
    press(page, "否")
    checklist = page.locator("#log .document pre").last
    expect(checklist).to_contain_text("【清单】")
    expect(checklist).to_contain_text("居住证")
    assert checklist.evaluate("element => getComputedStyle(element).whiteSpace") == "pre-wrap"
    with page.expect_download() as download:
        page.locator("#log .document button.save").last.click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("【清单】") and download.value.suggested_filename.endswith(".txt")
    page.locator("#log .document button.copy").last.click()
    expect(page.locator("#log .document .document-note").last).not_to_be_empty()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_switching_the_language_changes_the_page_and_the_replies(page: Page) -> None:
    page.select_option("#language", "en")
    expect(page.locator("#send")).to_have_text("Send")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#log")).to_contain_text("English")  # the assistant confirms in English
    type_and_send(page, "/help")
    expect(page.locator("#log li.message.assistant").last).to_contain_text("Tongxing")
    page.select_option("#language", "zh_Hant")
    expect(page.locator("#send")).to_have_text("發送")
    page.reload()  # the choice survives a reload (?lang= in the address)
    expect(page.locator("#send")).to_have_text("發送")


def test_an_unreachable_server_gets_a_clear_message_and_the_text_is_kept(page: Page) -> None:
    page.route("**/chat/api/message", lambda route: route.abort("internetdisconnected"))
    type_and_send(page, "孩子上学要什么材料")
    status = page.locator("#status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("连不上服务器，请检查网络后再试")
    expect(page.locator("#message")).to_have_value("孩子上学要什么材料")
    expect(page.locator("#log li.message.parent")).to_have_count(0)  # not shown as sent
    page.unroute("**/chat/api/message")
    page.click("#retry")
    expect(status).to_be_hidden()
    wait_for_replies(page, 2)  # the welcome and the answer
    expect(page.locator("#message")).to_have_value("")


def test_the_offline_message_speaks_the_chosen_language(page: Page) -> None:
    page.select_option("#language", "en")
    expect(page.locator("#send")).to_have_text("Send")
    # the switch is also said to the assistant: while that message is on its way, Send is disabled
    # (one message at a time), so the next one is typed once the assistant has confirmed
    expect(page.locator("#log li.message.assistant").last).to_contain_text("English")
    page.route("**/chat/api/message", lambda route: route.abort("internetdisconnected"))
    type_and_send(page, "hello")
    expect(page.locator("#status")).to_contain_text("Cannot reach the server")


def test_keyboard_only_a_button_and_a_typed_message(page: Page) -> None:
    for _ in range(12):  # from the top of the page to the first button of the welcome
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.payload === 'cmd:help'"):
            break
    else:
        pytest.fail("Tab never reached the welcome's buttons")
    page.keyboard.press("Enter")
    wait_for_replies(page, 2)
    # the new reply takes the focus (without opening a phone's keyboard), and is announced by the log
    assert page.evaluate("document.activeElement.classList.contains('assistant')")
    assert page.get_attribute("#log", "aria-live") == "polite"
    page.focus("#message")
    page.keyboard.type("/help")
    page.keyboard.press("Enter")
    wait_for_replies(page, 3)
    assert page.evaluate("document.activeElement.id") == "message"  # ready for the next message
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    assert page.locator("#log li.message.parent").count() == 2


def test_every_control_has_a_label(page: Page) -> None:
    for selector in ("#message", "#language"):
        element_id = selector[1:]
        assert page.locator(f"label[for='{element_id}']").count() == 1
    assert page.get_attribute("#log", "role") == "log"


def test_the_layout_fits_a_375_px_phone(page: Page, tmp_path: Path) -> None:
    press(page, "看看孩子能享受什么")
    expect(page.locator("#log")).to_contain_text("你同意吗")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    for selector in ("#message", "#send"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"]  # in view without scrolling
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('button, select, textarea'))
            .filter(element => element.offsetParent !== null)
            .map(element => [element.textContent.trim() || element.id, element.getBoundingClientRect()])
            .filter(([, box]) => box.height < 44 || box.width < 44)
            .map(([name, box]) => `${name}: ${Math.round(box.width)}x${Math.round(box.height)}`)"""
    )
    assert small == []
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.text')).fontSize)")
    assert font >= 16  # readable without zooming
    target = SCREENSHOT if os.environ.get("TONGXING_UPDATE_SCREENSHOTS") else tmp_path / "webchat.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
