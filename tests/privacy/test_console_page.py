"""The console's customer-data page in Chromium: a supervisor finds a customer by ticket
number, sees and downloads their data, deletes it after confirming; customer text is shown as
text only."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

PASSWORD = "privacy-page-password"
HOSTILE_NAME = '<img src=x onerror="window.pwned=1">'
PHONE, ADDRESS = "13612345670", "广州市天河区体育西路191号"


def account(stack, role: str) -> str:
    username = f"{role[:3]}-{uuid.uuid4().hex[:8]}"
    response = stack.staff("POST", "/api/v1/staff", json={
        "username": username, "display_name": username, "role": role, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return username


def signed_in(stack, browser, username: str, path: str):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{stack.backend_url}{path}")
    page.wait_for_url(re.compile(r"/console/login\?next="))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return context, page, problems


def ticket(stack) -> str:
    chat_id = f"page-{uuid.uuid4().hex[:8]}"
    response = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": chat_id},
                             json={"customer": {"channel": "webchat", "chat_id": chat_id,
                                                "display_name": HOSTILE_NAME,
                                                "language": "zh-Hans"},
                                   "type": "repair", "product": "空调", "description": "不制冷",
                                   "phone": PHONE, "address": ADDRESS})
    assert response.status_code == 201, response.text
    return response.json()["number"]


def test_a_supervisor_finds_downloads_and_deletes_a_customers_data(stack, browser, tmp_path):
    number = ticket(stack)
    context, page, problems = signed_in(stack, browser, account(stack, "supervisor"),
                                        f"/console/tickets/{number}")
    page.click("#customer-data")  # the link on the ticket page
    page.wait_for_url(re.compile(r"/console/customers$"))
    page.fill("#query", number.lower())
    page.click("#search button[type=submit]")
    rows = page.locator("#tickets tbody tr")
    rows.first.wait_for()
    assert number in rows.first.inner_text() and PHONE in rows.first.inner_text()
    assert HOSTILE_NAME in page.locator("#fields").inner_text()  # shown as text
    assert page.evaluate("window.pwned") is None

    with page.expect_download() as download:
        page.click("#download")
    data = json.loads(download.value.path().read_text())
    assert data["tickets"][0]["address"] == ADDRESS

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.click("#erase")
    page.locator("#result.ok").wait_for()
    assert number in messages[0]  # the open ticket that will be cancelled is named
    # The page shows the customer again after the erasure (waits for the redraw).
    expect(page.locator("#tickets tbody tr").first).to_contain_text("已取消")
    assert PHONE not in page.locator("#tickets").inner_text()
    assert page.locator("#erase").is_disabled()
    log = page.locator("#log").inner_text()
    assert "erased" in log and "exported" in log
    context.close()
    assert problems == []


def test_an_agent_is_told_the_page_is_not_for_them(stack, browser):
    number = ticket(stack)
    context, page, problems = signed_in(stack, browser, account(stack, "agent"),
                                        f"/console/customers?q={number}")
    page.locator("#error").filter(has_text="Supervisors and admins only").wait_for()
    assert page.locator("#customer").is_hidden()
    context.close()
    assert problems == []


def test_a_search_made_before_the_page_is_ready_is_not_lost(stack, browser):
    number = ticket(stack)
    context, page, problems = signed_in(stack, browser, account(stack, "supervisor"),
                                        "/console/customers")
    held = []  # the page asks who is signed in; the answer is held back
    page.route("**/console/session", lambda route: held.append(route))
    page.reload()
    page.fill("#query", number)
    page.click("#search button[type=submit]")
    assert len(held) == 1, "the page did not ask for the session"
    held[0].continue_()
    expect(page.locator("#tickets tbody tr").first).to_contain_text(number)
    assert page.url.endswith(f"?q={number}")
    context.close()
    assert problems == []
