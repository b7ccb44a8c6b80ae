"""Issue 3's journey: a customer reports a broken fridge in Telegram, gets a ticket, and hears
about its status changes in the same chat — also when the bot was down meanwhile."""

from __future__ import annotations

import itertools
import re

import pytest

from nlu.entities import TICKET_NUMBER_RE

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]

_chats = itertools.count(710_000_001)


SENT = {"sendMessage"}


def said(stack, chat_id: int, count: int, timeout: float = 30) -> list:
    """The bot's messages in the chat once there are at least `count` (edits not counted)."""
    return stack.telegram.wait_for_messages(chat_id, count, timeout, methods=SENT)


def settle(stack, chat_id: int, count: int) -> None:
    """Nothing more arrives in the chat: exactly `count` messages once nothing more can come
    (`Stack.idle`: updates handled, the bot's outbox empty, the backend's pushes delivered)."""
    stack.wait_until_idle(chat_id)
    sent = stack.telegram.sent_messages(chat_id, methods=SENT)
    assert len(sent) == count, [m.text for m in sent]


def test_repair_request_becomes_one_ticket_and_its_status_reaches_the_chat(stack):
    tg, chat = stack.telegram, next(_chats)

    first = tg.send_text(chat, "我家冰箱不制冷了,麻烦派个师傅来看看")
    # Product and fault were in the first message: the bot goes on to the error code.
    assert "故障代码" in said(stack, chat, 2)[-1].text
    tg.press_button(chat, "skip:error_code")
    assert "地址" in said(stack, chat, 3)[-1].text
    tg.send_text(chat, "北京市朝阳区建国路88号3单元501")
    assert "电话" in said(stack, chat, 4)[-1].text
    tg.send_text(chat, "13812345678")
    assert "上门" in said(stack, chat, 5)[-1].text
    tg.send_text(chat, "明天下午")
    summary = said(stack, chat, 6)[-1]
    assert "冰箱" in summary.text and "13812345678" in summary.text
    assert "form:submit" in [data for _, data in tg.buttons(summary)]

    submit = tg.press_button(chat, "form:submit")
    created = said(stack, chat, 7)[-1].text
    number = re.search(TICKET_NUMBER_RE, created).group(0)
    assert number.startswith("RS-")

    # Telegram delivers the same updates again (e.g. after a crash before the offset was
    # confirmed): nothing new is created or said.
    tg.redeliver(submit)
    tg.redeliver(first)
    settle(stack, chat, 7)

    rows = stack.sql("""
        SELECT t.number, t.type, t.status, t.product, t.description, t.phone
        FROM tickets t JOIN chat_identities c ON c.customer_id = t.customer_id
        WHERE c.channel = 'telegram' AND c.chat_id = $1""", str(chat))
    assert len(rows) == 1
    ticket = rows[0]
    assert (ticket["number"], ticket["type"], ticket["status"], ticket["product"]) == (
        number, "repair", "new", "冰箱")
    assert "不制冷" not in ticket["description"]  # encrypted at rest
    assert "13812345678" not in ticket["phone"]

    detail = stack.staff("GET", f"/api/v1/tickets/{number}").json()
    assert "不制冷" in detail["description"]
    assert detail["phone"] == "13812345678"
    assert detail["address"] == "北京市朝阳区建国路88号3单元501"

    response = stack.staff("POST", f"/api/v1/tickets/{number}/status",
                           json={"status": "assigned"})
    assert response.status_code == 200, response.text
    pushed = said(stack, chat, 8)[-1].text
    assert number in pushed and "已派工" in pushed
    settle(stack, chat, 8)


def test_a_status_change_made_while_the_bot_is_down_arrives_after_it_restarts(stack):
    tg, chat = stack.telegram, next(_chats)
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": f"t-{chat}"},
                            json={"customer": {"channel": "telegram", "chat_id": str(chat),
                                               "language": "zh-Hans"},
                                  "type": "repair", "product": "空调", "description": "不制冷",
                                  "phone": "13912345678", "address": "上海市浦东新区世纪大道100号"})
    assert created.status_code == 201, created.text
    number = created.json()["number"]

    stack.bot.stop()
    try:
        assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                           json={"status": "assigned"}).status_code == 200
        assert stack.staff("POST", f"/api/v1/tickets/{number}/status",
                           json={"status": "in_progress"}).status_code == 200
        # The backend tries, and fails, to deliver meanwhile.
        tg.wait_until(lambda: stack.sql(
            "SELECT count(*) AS n FROM outbox_messages WHERE payload->>'chat_id' = $1 "
            "AND delivered_at IS NULL AND attempts > 0", str(chat))[0]["n"] > 0,
            30, "a failed delivery")
        assert tg.sent_messages(chat) == []
    finally:
        stack.bot.start()
        tg.wait_for_polling()

    messages = said(stack, chat, 2)
    assert number in messages[0].text and "已派工" in messages[0].text
    assert "处理中" in messages[1].text  # in order
    settle(stack, chat, 2)


def test_ticket_status_in_the_chat_lists_and_finds_by_any_spelling(stack):
    tg, chat = stack.telegram, next(_chats)
    created = stack.service("POST", "/api/v1/tickets", headers={"Idempotency-Key": f"s-{chat}"},
                            json={"customer": {"channel": "telegram", "chat_id": str(chat),
                                               "language": "en"},
                                  "type": "repair", "product": "洗衣机", "description": "leaks",
                                  "phone": "13700000000", "address": "1 Queen's Road, Central"})
    number = created.json()["number"]

    tg.send_text(chat, "where is my ticket?", language_code="en")
    listing = said(stack, chat, 1)[-1]
    assert number in listing.text and "received" in listing.text

    tg.send_text(chat, f"status of {number.replace('-', '').lower()} please", language_code="en")
    detail = said(stack, chat, 2)[-1].text
    assert number in detail and "washing machine" in detail

    # Someone else's ticket is not found: the same answer as a number that does not exist.
    other = next(_chats)
    tg.send_text(other, f"我的工单 {number} 到哪了")
    assert "没有找到" in said(stack, other, 1)[-1].text
