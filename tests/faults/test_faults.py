"""Faults with the real parts (issue 8): the same update three times, the bot killed mid-form,
the backend down while a customer submits, PostgreSQL restarted mid-traffic, Rasa away, the
push target away for ten and more retries at the outbox's back-off ceiling. Each time: no ticket
lost or doubled, no message to a customer lost or repeated.

The module runs its own stack (backend and bot processes on PostgreSQL, fake Telegram), with
Rasa and the bot's push endpoint behind switchable TCP proxies. The push outage starts when
the stack does and is checked by the module's last test, so it overlaps the other tests. Its
length and the dispatcher's back-off ceiling scale together: 30 s against a 3 s ceiling is the
same run of failed tries at the ceiling as production's 30 s ceiling over five minutes
(FRONTDESK_PUSH_OUTAGE_SECONDS=300 runs that five-minute version)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import pytest

from nlu.entities import TICKET_NUMBER_RE
from tests.support.proxy import TcpProxy
from tests.support.stack import running_stack

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

PUSH_OUTAGE_SECONDS = float(os.environ.get("FRONTDESK_PUSH_OUTAGE_SECONDS", "30"))
# The outbox's back-off ceiling: a tenth of the outage, as production's 30 s is of five minutes.
MAX_BACKOFF_SECONDS = max(1.0, PUSH_OUTAGE_SECONDS / 10)
# The backend away while a form is submitted: longer than the bot's whole submission retry
# schedule (1, 2, 4 s below), so that the retries at its last delay go on until it is back.
BACKEND_DOWN_SECONDS = 12
SENT = {"sendMessage"}
_chats = itertools.count(730_000_001)


@pytest.fixture(scope="module")
def faults(rasa_url, tmp_path_factory):
    rasa = TcpProxy(urlparse(rasa_url).port).up()
    push = TcpProxy()  # its target (the bot) gets a port when the stack starts
    with running_stack(
        rasa.url, tmp_path_factory.mktemp("faults"),
        BOT_PUSH_URL=f"{push.url}/internal/push",
        # Production-like retry pacing, shortened where a test would only wait.
        OUTBOX_MAX_BACKOFF_SECONDS=str(MAX_BACKOFF_SECONDS), SUBMISSION_RETRY_SECONDS="[1, 2, 4]",
        TELEGRAM_SWEEP_SECONDS="1", RASA_TIMEOUT_SECONDS="2",
        CHAT_RATE_PER_MINUTE="30", CHAT_RATE_BURST="10",
    ) as stack:
        push.targets = [("127.0.0.1", urlparse(stack.bot_url).port)]
        push.up()
        stack.rasa_proxy, stack.push_proxy = rasa, push
        stack.outage = start_push_outage(stack)
        yield stack
    rasa.close()
    push.close()


# ---- helpers ---------------------------------------------------------------------------------

def said(stack, chat: int, count: int, timeout: float = 40) -> list:
    return stack.telegram.wait_for_messages(chat, count, timeout, methods=SENT)


def settle(stack, chat: int, count: int, timeout: float = 60) -> list:
    """Exactly `count` messages in the chat once nothing more can come (`Stack.idle`: every
    update confirmed and handled, the bot's outbox and held submissions empty, the backend's
    pushes delivered): none lost, none repeated."""
    stack.wait_until_idle(chat, timeout)
    sent = stack.telegram.sent_messages(chat, methods=SENT)
    assert len(sent) == count, [m.text for m in sent]
    return sent


def tickets_of(stack, chat: int) -> list:
    return stack.sql("""
        SELECT t.number, t.phone, t.product FROM tickets t
        JOIN chat_identities c ON c.customer_id = t.customer_id
        WHERE c.channel = 'telegram' AND c.chat_id = $1""", str(chat))


def repair_until_summary(stack, chat: int, phone: str = "13812345678") -> None:
    """A repair request up to its summary: six messages from the bot."""
    tg = stack.telegram
    tg.send_text(chat, "我家冰箱不制冷了,麻烦派个师傅来看看")
    assert "故障代码" in said(stack, chat, 2)[-1].text
    tg.press_button(chat, "skip:error_code")
    assert "地址" in said(stack, chat, 3)[-1].text
    tg.send_text(chat, "北京市朝阳区建国路88号3单元501")
    assert "电话" in said(stack, chat, 4)[-1].text
    tg.send_text(chat, phone)
    assert "上门" in said(stack, chat, 5)[-1].text
    tg.send_text(chat, "明天下午")
    assert phone in said(stack, chat, 6)[-1].text


def confirmed(stack, update_id: int) -> bool:
    """The bot has confirmed the update to Telegram (a later getUpdates offset)."""
    return stack.telegram.confirmed(update_id)


# ---- the same update three times -----------------------------------------------------------

def test_an_update_delivered_three_times_is_handled_once(faults):
    tg, chat = faults.telegram, next(_chats)
    repair_until_summary(faults, chat)
    submit = tg.press_button(chat, "form:submit")
    number = re.search(TICKET_NUMBER_RE, said(faults, chat, 7)[-1].text).group(0)
    for _ in range(2):
        tg.wait_until(lambda: confirmed(faults, submit), 20, "the submit confirmed")
        tg.redeliver(submit)
        tg.wait_until(lambda: not any(u["update_id"] == submit for u in tg.pending_updates()),
                      20, "the redelivered update fetched")
    settle(faults, chat, 7)
    assert [row["number"] for row in tickets_of(faults, chat)] == [number]


# ---- the bot killed in the middle of a form --------------------------------------------------

def test_the_bot_killed_mid_form_carries_on_after_a_restart(faults):
    tg, chat = faults.telegram, next(_chats)
    tg.send_text(chat, "洗衣机漏水，想请师傅上门修")
    said(faults, chat, 2)
    tg.press_button(chat, "skip:error_code")
    # The question's turn done (its reply out of the bot's outbox): a kill while a shown reply
    # is not yet deleted repeats it, the one documented exception (docs/architecture.md).
    assert "地址" in settle(faults, chat, 3)[-1].text

    # SIGKILL the moment the bot has taken the address from Telegram: mid-turn.
    update = tg.send_text(chat, "上海市浦东新区世纪大道100号")
    tg.wait_until(lambda: confirmed(faults, update), 20, "the address confirmed")
    faults.bot.kill()
    faults.bot.start()

    # The address is handled once, after the restart if not before: one question for the phone.
    assert "电话" in said(faults, chat, 4)[-1].text
    settle(faults, chat, 4)
    tg.send_text(chat, "13912345678")
    assert "上门" in said(faults, chat, 5)[-1].text
    tg.send_text(chat, "后天上午")
    summary = said(faults, chat, 6)[-1].text
    assert "世纪大道100号" in summary and "13912345678" in summary
    tg.press_button(chat, "form:submit")
    assert re.search(TICKET_NUMBER_RE, said(faults, chat, 7)[-1].text)
    settle(faults, chat, 7)
    assert len(tickets_of(faults, chat)) == 1


def test_a_reply_saved_but_not_sent_before_a_kill_is_sent_once_after_it(faults):
    tg, chat = faults.telegram, next(_chats)
    tg.send_text(chat, "你好")
    said(faults, chat, 1)
    # Telegram fails the bot's sends: the turn's reply waits in the bot's outbox.
    tg.fail_next("sendMessage", status=502, times=1000)
    before = len(tg.requests)
    update = tg.send_text(chat, "空调不制冷，帮我报修")
    tg.wait_until(lambda: any(m == "sendMessage" and p.get("chat_id") == chat
                              for m, p in tg.requests[before:]), 20, "a failed send")
    faults.bot.kill()
    tg.clear_faults()
    faults.bot.start()
    # The turn's two replies (the form starts, and its first question), once each.
    replies = said(faults, chat, 3)
    assert "报修" in replies[1].text and replies[2].text
    assert confirmed(faults, update)
    settle(faults, chat, 3)


# ---- a flood from one chat ----------------------------------------------------------------------

def test_a_chat_flooding_the_bot_is_asked_once_to_slow_down(faults):
    tg, chat = faults.telegram, next(_chats)
    for _ in range(25):
        tg.send_text(chat, "你好")
    said(faults, chat, 11)
    sent = settle(faults, chat, 11)
    notices = [m for m in sent if "太快" in m.text]
    assert len(notices) == 1, [m.text for m in sent]
    assert all("售后" in m.text for m in sent if m not in notices)
    assert len(tickets_of(faults, chat)) == 0


# ---- the backend down while the customer submits ---------------------------------------------

def test_a_form_submitted_while_the_backend_is_down_becomes_one_ticket(faults):
    tg, chat = faults.telegram, next(_chats)
    repair_until_summary(faults, chat, phone="13700001111")
    faults.backend.stop()
    down_at = time.monotonic()
    try:
        tg.press_button(chat, "form:submit")
        waiting = said(faults, chat, 7)[-1].text
        assert "保存" in waiting and not re.search(TICKET_NUMBER_RE, waiting)
        time.sleep(max(0.0, BACKEND_DOWN_SECONDS - (time.monotonic() - down_at)))
    finally:
        faults.backend.start()
    created = said(faults, chat, 8, timeout=60)[-1].text
    number = re.search(TICKET_NUMBER_RE, created).group(0)
    settle(faults, chat, 8)
    rows = tickets_of(faults, chat)
    assert [row["number"] for row in rows] == [number]


# ---- Rasa away --------------------------------------------------------------------------------

def test_with_rasa_away_the_bot_offers_its_menu_and_understands_again_when_it_is_back(faults):
    tg, chat = faults.telegram, next(_chats)
    faults.rasa_proxy.down()
    try:
        tg.send_text(chat, "热水器不出热水了")
        menu = said(faults, chat, 1)[-1]
        assert "menu:repair" in [data for _, data in tg.buttons(menu)]
        tg.press_button(chat, "menu:repair")  # buttons need no NLU: the form starts
        assert "产品" in said(faults, chat, 3)[-1].text
    finally:
        faults.rasa_proxy.up()
    mark = tg.mark()
    tg.send_text(chat, "/start")  # leaves the form
    tg.wait_for_messages(chat, 1, since=mark, methods=SENT)
    mark = tg.mark()
    update = tg.send_text(chat, "我要查一下我的工单进度")
    [answer] = tg.wait_for_messages(chat, 1, since=mark, methods=SENT)
    assert "工单" in answer.text
    faults.wait_until_handled(update, chat)
    assert len(tg.wait_for_messages(chat, 1, since=mark, methods=SENT)) == 1


# ---- PostgreSQL restarted mid-traffic ---------------------------------------------------------

# It restarts the PostgreSQL server every test shares: a parallel run runs it after the workers,
# alone (tests/support/parallel.py).
@pytest.mark.alone
def test_postgresql_restarted_mid_traffic_loses_and_doubles_nothing(faults):
    chats = [next(_chats) for _ in range(6)]
    cluster = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True,
                             check=True).stdout.split()[0]

    def restart():
        time.sleep(4)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main",
                        "restart"], check=True, capture_output=True)

    def customer(chat: int) -> str:
        repair_until_summary(faults, chat, phone=f"1390000{chat % 10000:04d}")
        faults.telegram.press_button(chat, "form:submit")
        return said(faults, chat, 7, timeout=90)[-1].text

    with ThreadPoolExecutor(len(chats) + 1) as pool:
        restarted = pool.submit(restart)
        results = list(pool.map(customer, chats))
        restarted.result()
    for chat, last in zip(chats, results):
        numbers = [m.group(0) for m in TICKET_NUMBER_RE.finditer(last)]
        assert numbers, last
        settle(faults, chat, 7)
        assert [row["number"] for row in tickets_of(faults, chat)] == numbers[:1]


# ---- the push target away for a long outage (started with the stack) ---------------------------

def start_push_outage(stack) -> dict:
    chat = next(_chats)
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": f"o-{chat}"},
                            json={"customer": {"channel": "telegram", "chat_id": str(chat),
                                               "language": "zh-Hans"},
                                  "type": "repair", "product": "空调", "description": "不制冷",
                                  "phone": "13912345678", "address": "上海市浦东新区世纪大道1号"})
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    stack.push_proxy.down()
    for status in ("assigned", "in_progress"):
        response = stack.staff("POST", f"/api/v1/tickets/{number}/status",
                               json={"status": status})
        assert response.status_code == 200, response.text
    return {"chat": chat, "number": number, "since": time.monotonic()}


def test_status_messages_made_while_the_push_target_was_away_arrive_once_in_order(faults):
    tg, outage = faults.telegram, faults.outage
    chat = outage["chat"]
    time.sleep(max(0.0, PUSH_OUTAGE_SECONDS - (time.monotonic() - outage["since"])))
    assert tg.sent_messages(chat) == []
    # The dispatcher kept trying at its ceiling all along (its second try is at the ceiling
    # already; one push of a ticket is tried at a time: the first one's tries). Fewer than the
    # ~13 an idle machine makes: four test workers share two cores.
    [[tries]] = faults.sql("SELECT max(o.attempts) FROM outbox_messages o JOIN tickets t "
                           "ON t.id = o.ticket_id WHERE t.number = $1", outage["number"])
    assert tries >= 5, tries
    faults.push_proxy.up()
    # Delivered within the dispatcher's longest back-off after the target is back.
    messages = said(faults, chat, 2, timeout=2 * MAX_BACKOFF_SECONDS + 30)
    assert outage["number"] in messages[0].text and "已派工" in messages[0].text
    assert "处理中" in messages[1].text
    settle(faults, chat, 2)
