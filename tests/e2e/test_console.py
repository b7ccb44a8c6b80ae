"""The staff console in a real browser (Debian's Chromium driven by Playwright): signing in, the
live queue (take over, reply, hand back: the customer hears it in Telegram), the ticket queue and
its filters, a status change the customer hears about (with the staff's note, labelled as
theirs), a repair resolved from the ticket page with the reason it needs (refused without),
the ticket page's archive, internal note (marked as never sent), escalation and reply
(which reaches the customer's Telegram chat), and customer text shown as text only."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest

from backend.kernel.clock import local_now, utcnow
from tests.e2e.conftest import DOCS
from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

PASSWORD = "console-test-password"
HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> 冰箱不制冷'


@pytest.fixture(scope="module")
def supervisor(stack) -> str:
    """A console account (售后服务管理师: may talk to customers, assign, change statuses)."""
    username = f"sup-{uuid.uuid4().hex[:8]}"
    response = stack.staff("POST", "/api/v1/staff", json={
        "username": username, "display_name": "王小明", "role": "supervisor",
        "password": PASSWORD})
    assert response.status_code == 201, response.text
    return username


@pytest.fixture
def page(stack, browser, supervisor):
    """A signed-in console page; fails the test on any script error or CSP violation."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 860})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.goto(f"{stack.backend_url}/console/tickets?type=repair")
    page.wait_for_url(re.compile(r"/console/login\?next="))  # signed out: to the login page
    page.fill("#username", supervisor)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/tickets\?type=repair$"))  # and back
    page.locator("#who").filter(has_text="王小明").wait_for()
    yield page
    context.close()
    assert problems == []


def test_signed_out_pages_redirect_and_every_page_has_the_security_headers(stack):
    for path in ("/console/tickets", "/console/live", "/console/tickets/RS-20260101-0001"):
        response = httpx.get(f"{stack.backend_url}{path}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login?next=%2Fconsole%2F")
    for path in ("/console/login", "/console/static/console.js", "/console/tickets"):
        headers = httpx.get(f"{stack.backend_url}{path}").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    page = httpx.get(f"{stack.backend_url}/console/login").text
    assert "<script>" not in page and "onclick" not in page  # no inline scripts
    # Signed-in data needs the session; unsafe requests also the CSRF token.
    assert httpx.get(f"{stack.backend_url}/console/meta.json").status_code == 401


def test_wrong_password_is_refused_on_the_login_page(stack, browser, supervisor):
    page = browser.new_page()
    page.goto(f"{stack.backend_url}/console/login")
    page.fill("#username", supervisor)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.locator("#error").filter(has_text="用户名或密码错误").wait_for()
    assert page.url.endswith("/console/login")
    page.close()


def bot_answers(chat: TelegramChat, send) -> str:
    """What the bot answers (all its messages, once it is done with the update) to what
    `send()` (which returns the update's id) does in the chat. (TelegramChat.say is a
    coroutine, and Playwright's sync API keeps an event loop running in this thread.)"""
    mark = chat.stack.telegram.mark()
    return "\n".join(said.text for said in chat.answer(mark, send()))


def ask_for_a_person(chat: TelegramChat) -> str:
    """The customer greets the bot and presses 人工客服 in its menu (the menu comes also in basic
    mode, without Rasa); what the bot answered."""
    telegram = chat.stack.telegram
    bot_answers(chat, lambda: telegram.send_text(chat.chat_number, "你好",
                                                 language_code=chat.language_code))
    return bot_answers(chat, lambda: telegram.press_button(chat.chat_number, "menu:human"))


def test_an_agent_takes_over_replies_and_hands_back(stack, page):
    page.goto(f"{stack.backend_url}/console/live")
    chat = TelegramChat(stack)
    assert "转接人工客服" in ask_for_a_person(chat)
    [number] = [t["number"] for t in chat.tickets() if t["type"] == "inquiry"]
    stack.telegram.send_text(chat.chat_number, HOSTILE)

    # The queue refreshes by itself; the waiting time ticks.
    entry = page.locator("#queue-list li").filter(has_text=number)
    entry.wait_for(timeout=15_000)
    first = entry.locator(".waited").inner_text()
    deadline = time.monotonic() + 15
    while entry.locator(".waited").inner_text() == first and time.monotonic() < deadline:
        time.sleep(0.2)
    assert entry.locator(".waited").inner_text() != first
    entry.click()
    transcript = page.locator("#transcript")
    transcript.locator(".msg.customer").filter(has_text="冰箱不制冷").wait_for(timeout=15_000)
    # What the customer wrote is text: no element made of it, no script run.
    assert transcript.locator("script, img").count() == 0
    assert "<img src=x onerror=" in transcript.inner_text()
    assert page.evaluate("window.pwned") is None

    mark = stack.telegram.mark()
    page.click("#take")
    assert "已接入" in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})[-1].text
    mark = stack.telegram.mark()
    page.fill("#reply-text", "您好，我是客服小王，请问冰箱是什么型号？")
    page.click("#send")
    said = stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                            methods={"sendMessage"})
    assert "请问冰箱是什么型号" in said[-1].text
    transcript.locator(".msg.staff").filter(has_text="请问冰箱是什么型号").wait_for()

    update = stack.telegram.send_text(chat.chat_number, "BCD-520W")
    stack.wait_until_handled(update, chat.chat_number)  # passed on to the agent
    # The transcript refreshes by itself.
    transcript.locator(".msg.customer").filter(has_text="BCD-520W").wait_for(timeout=15_000)
    page.screenshot(path=str(DOCS / "console-live.png"), full_page=True)

    mark = stack.telegram.mark()
    page.click("#release")
    assert "结束本次对话" in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})[-1].text
    page.locator("#conv-state").filter(has_text="已结束").wait_for()


def test_the_ticket_queue_filters_and_a_status_change_reaches_the_customer(stack, page):
    chat = TelegramChat(stack)
    repair = chat.open_ticket(description=HOSTILE, phone="13912345678")
    installation = chat.open_ticket(type="installation", product="空调", description="新机安装")
    page.goto(f"{stack.backend_url}/console/tickets")
    rows = page.locator("#tickets tbody tr")
    rows.filter(has_text=repair).wait_for(timeout=15_000)
    rows.filter(has_text=installation).wait_for()

    page.select_option("#f-type", "installation")
    rows.filter(has_text=repair).wait_for(state="detached")
    assert rows.filter(has_text=installation).count() == 1
    assert "type=installation" in page.url
    page.select_option("#f-type", "")
    page.select_option("#f-priority", "urgent")
    rows.filter(has_text=installation).wait_for(state="detached")
    page.select_option("#f-priority", "")
    rows.filter(has_text=repair).wait_for()

    # A ticket made after the page opened appears without a reload.
    later = chat.open_ticket(type="complaint", description="师傅迟到两小时")
    rows.filter(has_text=later).wait_for(timeout=15_000)

    rows.filter(has_text=repair).locator("a").click()
    page.wait_for_url(re.compile(f"/console/tickets/{repair}$"))
    page.locator("body[data-ready]").wait_for()
    fields = page.locator("#fields")
    fields.filter(has_text="13912345678").wait_for()  # contact data, as staff see it
    assert "北京市东城区王府井大街1号" in fields.inner_text()
    assert fields.locator("script, img").count() == 0
    assert "<script>window.pwned=1</script>" in fields.inner_text()

    # The note that goes with a status change says it is for the customer's eyes...
    assert "发到客户聊天" in page.locator("#status-form").inner_text()
    mark = stack.telegram.mark()
    page.select_option("#new-status", "in_progress")
    page.fill("#status-note", "师傅已出发")
    page.click("#status-form button[type=submit]")
    page.locator("#action-result.ok").wait_for()
    pushed = stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                              methods={"sendMessage"})
    # ...and reaches them as the staff's words, apart from the bot's own text.
    assert repair in pushed[-1].text
    bot_text, staff_words = pushed[-1].text.split("\n\n")
    assert "师傅已出发" not in bot_text and staff_words == "💬 客服留言：师傅已出发"
    events = page.locator("#events tbody")
    events.filter(has_text="师傅已出发").wait_for()
    assert "staff:sup-" in events.inner_text()
    assert "客户已收到" in events.locator("tr").filter(has_text="师傅已出发").inner_text()

    # Resolving a repair (the customer has not confirmed its service record) asks why, and
    # only then; without a reason the backend's refusal is shown and nothing changes.
    reason = page.locator("#override-reason")
    assert not reason.is_visible()
    page.select_option("#new-status", "resolved")
    reason.wait_for()
    page.click("#status-form button[type=submit]")
    refused = page.locator("#action-result.error")
    refused.wait_for()
    assert "422" in refused.inner_text() and "override_reason" in refused.inner_text()
    assert "已解决" not in page.locator("#fields").inner_text()
    page.select_option("#new-status", "scheduled")
    reason.wait_for(state="hidden")
    page.select_option("#new-status", "resolved")
    mark = stack.telegram.mark()
    page.fill("#override-reason", "客户电话确认冰箱已制冷")
    page.fill("#status-note", "已修好")
    page.click("#status-form button[type=submit]")
    page.locator("#action-result.ok").wait_for()
    page.locator("#fields").filter(has_text="已解决").wait_for()
    override = events.locator("tr").filter(has_text="客户电话确认冰箱已制冷")
    override.wait_for()
    assert "未经客户确认结案" in override.inner_text()
    assert not reason.is_visible()  # resolved: no longer asked
    pushed = stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                              methods={"sendMessage"})
    assert any("已修好" in m.text for m in pushed)  # the note reaches the customer, not the reason
    assert "客户电话确认" not in " ".join(m.text for m in stack.telegram.sent_messages(
        chat.chat_number))

    # A change made elsewhere shows without a reload.
    assert stack.staff("POST", f"/api/v1/tickets/{repair}/status",
                       json={"status": "reopened", "note": "客户说又不制冷了"}).status_code == 200
    events.filter(has_text="又不制冷了").wait_for(timeout=15_000)
    page.locator("#fields").filter(has_text="重新打开").wait_for()
    # A status that may not follow is not offered.
    options = page.locator("#new-status option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["assigned", "cancelled", "in_progress", "resolved", "scheduled"]


def sql(stack, query: str, *args):
    """stack.sql in a thread of its own (it runs an event loop; Playwright's is running here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(stack.sql, query, *args).result()


def test_overdue_and_nearly_due_tickets_come_first_and_stand_out(stack, page):
    chat = TelegramChat(stack)
    overdue = chat.open_ticket(description="等了三天还没人来")
    nearly = chat.open_ticket(description="快到时间了")
    # The clocks ran (the SLA engine's columns, set as if time had passed on the clock the
    # backend runs on: the test clock, not the database server's).
    now = utcnow()
    sql(stack, "UPDATE tickets SET sla_due_at = $2 WHERE number = $1",
        overdue, now - timedelta(hours=1))
    sql(stack, "UPDATE tickets SET sla_due_at = $2, sla_warn_at = $3 WHERE number = $1",
        nearly, now + timedelta(hours=1), now - timedelta(minutes=1))
    page.goto(f"{stack.backend_url}/console/tickets")
    rows = page.locator("#tickets tbody tr")
    rows.filter(has_text=overdue).wait_for(timeout=15_000)
    assert "overdue" in rows.filter(has_text=overdue).get_attribute("class")
    assert "nearly_due" in rows.filter(has_text=nearly).get_attribute("class")
    order = rows.evaluate_all("rs => rs.map(r => r.dataset.number)")
    assert order.index(overdue) < order.index(nearly)  # soonest due first
    assert "已超时" in rows.filter(has_text=overdue).inner_text()
    page.screenshot(path=str(DOCS / "console-queue.png"), full_page=True)

    page.select_option("#f-sla", "overdue")
    rows.filter(has_text=nearly).wait_for(state="detached")
    assert rows.filter(has_text=overdue).count() == 1


def test_assigning_and_scheduling_from_the_ticket_page(stack, page, supervisor):
    chat = TelegramChat(stack)
    number = chat.open_ticket(type="installation", product="空调", description="新机安装")
    page.goto(f"{stack.backend_url}/console/tickets/{number}")
    page.locator("body[data-ready]").wait_for()
    assert page.locator("#assign-form").is_visible()  # offered: the backend has the route
    mark = stack.telegram.mark()
    page.fill("#assignee", supervisor)
    page.click("#assign-form button[type=submit]")
    page.locator("#action-result.ok").wait_for()
    page.locator("#fields").filter(has_text=supervisor).wait_for()
    assert number in stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                                      methods={"sendMessage"})[-1].text

    page.locator("#schedule-form").wait_for()
    tomorrow = (local_now("Asia/Shanghai") + timedelta(days=2)).date()
    mark = stack.telegram.mark()
    page.fill("#schedule-date", tomorrow.isoformat())
    page.select_option("#schedule-window", "afternoon")
    page.click("#schedule-form button[type=submit]")
    page.locator("#action-result.ok").wait_for()
    page.locator("#fields").filter(has_text=tomorrow.isoformat()).wait_for()
    assert number in stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                                      methods={"sendMessage"})[-1].text

    page.fill("#assignee", "nobody-here")  # an unknown account: said so, nothing changes
    page.click("#assign-form button[type=submit]")
    page.locator("#action-result.error").wait_for()


def test_archive_note_escalation_and_a_reply_from_the_ticket_page(stack, page, supervisor):
    chat = TelegramChat(stack)
    earlier = chat.open_ticket(type="installation", product="空调", description="新机安装")
    number = chat.open_ticket(description="冷藏室不制冷")
    page.goto(f"{stack.backend_url}/console/tickets/{number}")
    page.locator("body[data-ready]").wait_for()

    # The archive: the products the customer's tickets name, with warranty; earlier tickets.
    products = page.locator("#products tbody tr")
    products.filter(has_text="空调").filter(has_text="保修期内").wait_for(timeout=15_000)
    assert "未知" in products.filter(has_text="冰箱").inner_text()  # no purchase date known
    page.locator(f"#history a[href='/console/tickets/{earlier}']").wait_for()

    # An internal note: in the record, never in the customer's chat; the page says so.
    assert "绝不发给客户" in page.locator("#note-form").inner_text()
    page.fill("#note-text", "客户要求上门前先电话联系")
    page.click("#note-form button[type=submit]")
    page.locator("#message-result.ok").wait_for()
    events = page.locator("#events tbody")
    events.locator("tr.internal").filter(has_text="客户要求上门前先电话联系").wait_for()
    assert "仅内部" in events.locator("tr.internal").filter(
        has_text="客户要求上门前先电话联系").inner_text()

    # Escalation: the reason is required; the supervisor named gets the ticket.
    page.select_option("#escalate-to", "supervisor")
    page.fill("#escalate-assignee", supervisor)
    page.click("#escalate-form button[type=submit]")
    assert page.locator("#escalate-reason:invalid").count() == 1  # not sent without a reason
    page.fill("#escalate-reason", "客户第三次来电，情绪激动")
    page.click("#escalate-form button[type=submit]")
    page.locator("#action-result.ok").wait_for()
    page.locator("#escalation").filter(has_text="客户第三次来电").wait_for()
    assert "主管" in page.locator("#escalation").inner_text()
    page.locator("#fields").filter(has_text=supervisor).wait_for()

    # A reply reaches the customer's Telegram chat, and the record.
    mark = stack.telegram.mark()
    page.fill("#reply-text", "您好，配件已到，明天上午安排师傅上门。")
    page.click("#reply-form button[type=submit]")
    page.locator("#message-result.ok").wait_for()
    arrived = [m.text for m in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})]
    deadline = time.monotonic() + 15
    while not any("配件已到" in text for text in arrived) and time.monotonic() < deadline:
        time.sleep(0.3)
        arrived = [m.text for m in stack.telegram.sent_messages(chat.chat_number,
                                                                methods={"sendMessage"})
                   if m.seq > mark]
    [reply] = [text for text in arrived if "配件已到" in text]
    assert number in reply and "王小明" in reply
    events.filter(has_text="回复客户").wait_for()
    everything = " ".join(m.text for m in stack.telegram.sent_messages(chat.chat_number))
    assert "先电话联系" not in everything  # the note never went out
    # A ticket of no registered product says so, and nothing else ("null" was written once).
    assert page.locator("#product-box").inner_text().strip() == page.locator(
        "#no-product").inner_text().strip()
    page.screenshot(path=str(DOCS / "console-ticket.png"), full_page=True)

    # The supervisors see it among the tickets escalated to them.
    page.goto(f"{stack.backend_url}/console/tickets?escalated=supervisor")
    rows = page.locator("#tickets tbody tr")
    rows.filter(has_text=number).wait_for(timeout=15_000)
    assert rows.filter(has_text=earlier).count() == 0


def test_signing_out_ends_the_session(stack, page):
    page.click("#logout")
    # Back at the login page (with or without a way back to where the page was).
    page.wait_for_url(re.compile(r"/console/login(\?next=[^&]*)?$"))
    page.goto(f"{stack.backend_url}/console/live")
    page.wait_for_url(re.compile(r"/console/login\?next=%2Fconsole%2Flive$"))
