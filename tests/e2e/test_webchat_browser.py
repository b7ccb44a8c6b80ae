"""The web chat in a real browser (Debian's Chromium driven by Playwright): a customer books a
repair by typing and pressing buttons, hears about the status change, and nothing they type is
rendered as HTML; two tabs of one browser are one chat, and a status change made while no tab
is open is shown in the next one; a message typed while the bot is down is sent when it is
back, and answered once."""

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


def test_two_tabs_see_every_answer_and_a_push_made_while_both_were_closed(stack, browser):
    """Tabs of one browser are one chat: each shows every answer; a status change made while
    no tab is open is shown, once, in the next one opened."""
    context = browser.new_context(locale="en-GB")
    first = context.new_page()
    first.goto(f"{stack.bot_url}/chat")
    second = context.new_page()
    second.goto(f"{stack.bot_url}/chat")
    first.fill("#text", "hello")
    first.press("#text", "Enter")
    bot_says(first, "after-sales service assistant")
    bot_says(second, "after-sales service assistant")  # typed in the other tab

    session = first.evaluate("localStorage.getItem('frontdesk-session')")
    chat_id = f"web-{session}"
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": chat_id},
                            json={"customer": {"channel": "webchat", "chat_id": chat_id,
                                               "language": "en"},
                                  "type": "inquiry", "description": "Is the filter covered?"})
    number = created.json()["number"]
    first.close()
    second.close()
    assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                       json={"status": "assigned"}).status_code == 200
    stack.wait_until(lambda: not stack.pushes_pending(chat_id, "webchat"),
                     "the push taken by the bot")

    again = context.new_page()
    again.goto(f"{stack.bot_url}/chat")
    bot_says(again, f"{number}.*assigned")
    stack.wait_until(lambda: not stack.bot_sql(
        "SELECT 1 FROM bot_outgoing WHERE channel = 'webchat' AND chat_id = $1", chat_id),
        "the push shown")
    assert again.locator(".msg.bot").filter(has_text=number).count() == 1
    context.close()


def test_a_message_typed_while_the_bot_is_away_is_answered_once_when_it_is_back(stack, browser):
    """The page keeps each message until the bot acknowledges it (once it is in the bot's
    inbox) and sends what is unacknowledged again when it reconnects: nothing typed while the
    bot was down is lost, and it is answered once."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{stack.bot_url}/chat")
    greeting = page.locator(".msg.bot").filter(has_text="after-sales service assistant")
    page.fill("#text", "hello")
    page.press("#text", "Enter")
    bot_says(page, "after-sales service assistant")
    session = page.evaluate("localStorage.getItem('frontdesk-session')")
    chat_id = f"web-{session}"
    stack.bot.stop()
    try:
        page.locator("#status").filter(has_text="Reconnecting").wait_for(timeout=10_000)
        page.fill("#text", "hello")
        page.press("#text", "Enter")
    finally:
        stack.bot.start()
        stack.telegram.wait_for_polling()
    greeting.nth(1).wait_for(timeout=30_000)
    stack.wait_until(lambda: not stack.bot_sql(
        "SELECT 1 FROM bot_inbox WHERE channel = 'webchat' AND chat_id = $1 UNION ALL "
        "SELECT 1 FROM bot_outgoing WHERE channel = 'webchat' AND chat_id = $1", chat_id),
        "the message handled and its answer shown")
    assert greeting.count() == 2
    context.close()
