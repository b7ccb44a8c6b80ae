"""The web chat in a real browser (Debian's Chromium driven by Playwright): a customer books a
repair by typing and pressing buttons, hears about the status change, and nothing they type is
rendered as HTML."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DOCS

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]



def bot_says(page, pattern: str, timeout: float = 30_000):
    locator = page.locator(".msg.bot").filter(has_text=re.compile(pattern))
    locator.last.wait_for(timeout=timeout)
    return locator.last


def test_a_customer_books_a_repair_in_the_browser(stack, browser):
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{stack.bot_url}/chat")
    page.fill("#text", "<b>热水器</b>不出热水了，显示E1，麻烦上门看看")
    page.press("#text", "Enter")
    # What the customer typed is shown as text, not markup.
    assert page.locator(".msg.me b").count() == 0
    assert "<b>热水器</b>" in page.locator(".msg.me").first.inner_text()

    bot_says(page, "地址")
    page.fill("#text", "深圳市南山区科技园南区1栋")
    page.press("#text", "Enter")
    bot_says(page, "电话")
    page.fill("#text", "13512345678")
    page.press("#text", "Enter")
    bot_says(page, "上门")
    page.fill("#text", "后天上午")
    page.press("#text", "Enter")
    bot_says(page, "请核对")
    page.get_by_role("button", name="✅ 提交").last.click()
    created = bot_says(page, "工单号").inner_text()
    number = re.search(r"[A-Z]{2}-\d{8}-\d{4}", created).group(0)

    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    bot_says(page, f"{number}.*已派工")
    page.screenshot(path=str(DOCS / "webchat.png"), full_page=True)
    page.close()
