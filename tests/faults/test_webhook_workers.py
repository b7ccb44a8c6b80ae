"""Webhook mode with several bot processes behind a load balancer (issue 8's scaled layout):
Telegram's secret token is checked, updates of one chat are handled in order whichever process
gets them, every customer gets each answer once, and a 429 flood-limit answer is waited out."""

from __future__ import annotations

import itertools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import httpx
import pytest

from nlu.entities import TICKET_NUMBER_RE
from tests.faults.test_faults import repair_until_summary, said, settle, tickets_of
from tests.support.processes import Service, free_port
from tests.support.proxy import TcpProxy
from tests.support.stack import running_stack

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

SECRET = "webhook-secret-for-tests_1"
_chats = itertools.count(740_000_001)


@pytest.fixture(scope="module")
def workers(rasa_url, tmp_path_factory):
    balancer = TcpProxy()
    with running_stack(rasa_url, tmp_path_factory.mktemp("webhook"),
                       TELEGRAM_WEBHOOK_URL=f"{balancer.url}/telegram/webhook",
                       TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_SWEEP_SECONDS="1") as stack:
        port = free_port()
        second = Service("bot", ["bot"], {**stack.bot.env, "BOT_PORT": str(port)},
                         f"http://127.0.0.1:{port}/health").start()
        balancer.targets = [("127.0.0.1", urlparse(stack.bot_url).port), ("127.0.0.1", port)]
        balancer.up()
        stack.second_bot, stack.balancer = second, balancer
        try:
            yield stack
        finally:
            second.stop()
    balancer.close()


def test_a_webhook_request_without_the_secret_token_is_refused(workers):
    update = {"update_id": 999_999, "message": {
        "message_id": 1, "date": int(time.time()), "text": "hi",
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": False,
                                                       "first_name": "X"}}}
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        response = httpx.post(f"{workers.bot_url}/telegram/webhook", json=update,
                              headers=headers)
        assert response.status_code == 401
    assert workers.sql("SELECT count(*) AS n FROM bot_inbox")[0]["n"] == 0
    assert workers.sql(
        "SELECT count(*) AS n FROM bot_processed_updates WHERE update_id = '999999'"
    )[0]["n"] == 0


def test_customers_served_by_two_bot_processes_get_every_answer_once(workers):
    chats = [next(_chats) for _ in range(6)]

    def customer(chat: int) -> str:
        repair_until_summary(workers, chat, phone=f"1380000{chat % 10000:04d}")
        workers.telegram.press_button(chat, "form:submit")
        return said(workers, chat, 7)[-1].text

    with ThreadPoolExecutor(len(chats)) as pool:
        results = list(pool.map(customer, chats))
    for chat, last in zip(chats, results):
        number = re.search(TICKET_NUMBER_RE, last).group(0)
        settle(workers, chat, 7)
        assert [row["number"] for row in tickets_of(workers, chat)] == [number]
    # Both processes took a share of the updates.
    shares = [workers.balancer.connections[port] for _, port in workers.balancer.targets]
    assert min(shares) >= 6 * 6 // 3, shares


def test_a_flood_limit_answer_is_waited_out_and_nothing_is_dropped(workers):
    tg, chat = workers.telegram, next(_chats)
    tg.fail_next("sendMessage", status=429, retry_after=1, times=3)
    started = time.monotonic()
    tg.send_text(chat, "你好")
    [greeting] = said(workers, chat, 1)
    assert "售后" in greeting.text
    assert time.monotonic() - started >= 1  # Telegram's retry_after was respected
    failed = [r for r in tg.requests if r.method == "sendMessage"
              and r.params.get("chat_id") == chat]
    assert len(failed) == 4  # three 429s, then sent
    settle(workers, chat, 1)
