"""A customer asks for a person in Telegram; staff take over, reply and hand back. The bot stays
silent from the moment the customer is queued, so it never answers alongside staff."""

from __future__ import annotations

import time

import pytest

from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


def quiet(chat: TelegramChat, seconds: float = 1.5) -> list:
    """What the bot said to the chat within a few seconds (nothing, when it stays silent)."""
    mark = chat.stack.telegram.mark()
    time.sleep(seconds)
    return [m for m in chat.stack.telegram.sent_messages(chat.chat_number,
                                                         methods={"sendMessage"})
            if m.seq > mark]


async def test_staff_take_over_reply_and_hand_back(stack):
    chat = TelegramChat(stack)
    await chat.say("我要找人工客服")
    assert "转接人工客服" in chat.text and "person:leave" in chat.buttons()
    # The conversation's service record is an inquiry ticket of this customer.
    [number] = [t["number"] for t in chat.tickets() if t["type"] == "inquiry"]
    queue = stack.staff("GET", "/api/v1/handoff/queue").json()
    [entry] = [q for q in queue if q["ticket_number"] == number]
    assert entry["state"] == "waiting"

    # Waiting: what the customer writes goes to staff, and the bot says nothing.
    mark = stack.telegram.mark()
    stack.telegram.send_text(chat.chat_number, "冰箱一直嗡嗡响，晚上睡不着")
    assert quiet(chat) == []
    handoff = f"/api/v1/handoff/{entry['id']}"
    assert stack.staff("POST", f"{handoff}/take").status_code == 200
    assert "已接入" in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})[-1].text

    mark = stack.telegram.mark()
    assert stack.staff("POST", f"{handoff}/reply",
                       json={"text": "您好，请问冰箱是什么型号？"}).status_code == 201
    said = stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                            methods={"sendMessage"})
    assert "请问冰箱是什么型号" in said[-1].text

    stack.telegram.send_text(chat.chat_number, "BCD-520W")
    assert quiet(chat) == []  # staff have it: the bot stays out
    transcript = stack.staff("GET", handoff).json()["messages"]
    assert [m["text"] for m in transcript][-3:] == [
        "冰箱一直嗡嗡响，晚上睡不着", "您好，请问冰箱是什么型号？", "BCD-520W"]

    mark = stack.telegram.mark()
    assert stack.staff("POST", f"{handoff}/release").status_code == 200
    assert "结束本次对话" in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})[-1].text
    await chat.say("你好")
    assert "售后服务助手" in chat.text  # the bot answers again


async def test_leaving_the_queue_hands_the_chat_back_to_the_bot(stack):
    chat = TelegramChat(stack, language_code="en")
    await chat.say("I want to talk to a real person")
    assert "Connecting you" in chat.text
    await chat.press("person:leave")
    assert "left the queue" in chat.text
    await chat.say("hello")
    assert "service assistant" in chat.text
