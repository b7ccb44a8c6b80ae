"""A customer asks for a person in Telegram; staff take over, reply and hand back. From the moment
the customer is queued the bot answers nothing itself, so it never answers alongside staff; a
waiting customer is told their place and the expected wait when they write and whenever someone
ahead is taken or leaves (pushed by the backend)."""

from __future__ import annotations

import re

import pytest

from tests.support.chats import TelegramChat

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


def quiet(chat: TelegramChat, mark: int | None = None) -> list:
    """What the bot said to the chat after `mark` (now, by default) once nothing more can come
    (`Stack.idle`: the updates handled, the bot's outbox empty, the backend's pushes
    delivered); nothing, when it stays silent."""
    mark = chat.stack.telegram.mark() if mark is None else mark
    chat.stack.wait_until_idle(chat.chat_number)
    return [m for m in chat.stack.telegram.sent_messages(chat.chat_number,
                                                         methods={"sendMessage"})
            if m.seq > mark]


WAIT = re.compile(r"约 \d+ 分钟")


def empty_line(stack) -> None:
    """Nobody waiting for staff (what other tests left is taken and handed back)."""
    for entry in stack.staff("GET", "/api/v1/handoff/queue").json():
        if entry["state"] == "waiting":
            stack.staff("POST", f"/api/v1/handoff/{entry['id']}/take")
            stack.staff("POST", f"/api/v1/handoff/{entry['id']}/release")


def entry_of(stack, chat: TelegramChat) -> dict:
    """The chat's conversation in the staff's queue (its record: an inquiry ticket)."""
    [number] = [t["number"] for t in chat.tickets() if t["type"] == "inquiry"]
    [entry] = [q for q in stack.staff("GET", "/api/v1/handoff/queue").json()
               if q["ticket_number"] == number]
    return entry


async def test_staff_take_over_reply_and_hand_back(stack):
    empty_line(stack)
    chat = TelegramChat(stack)
    await chat.say("我要找人工客服")
    assert "转接人工客服" in chat.text and "person:leave" in chat.buttons()
    # Alone in the line: next, not "1 ahead".
    assert "下一位就是您" in chat.text and "前面还有" not in chat.text
    entry = entry_of(stack, chat)
    assert entry["state"] == "waiting"

    # Waiting: what the customer writes goes to staff, and the answer is their place.
    await chat.say("冰箱一直嗡嗡响，晚上睡不着")
    [said] = chat.last
    assert "您的话已转给客服" in said.text and "下一位就是您" in said.text
    assert WAIT.search(said.text) and said.buttons == ["person:leave"]
    handoff = f"/api/v1/handoff/{entry['id']}"
    mark = stack.telegram.mark()
    assert stack.staff("POST", f"{handoff}/take").status_code == 200
    assert "已接入" in stack.telegram.wait_for_messages(
        chat.chat_number, 1, since=mark, methods={"sendMessage"})[-1].text

    mark = stack.telegram.mark()
    assert stack.staff("POST", f"{handoff}/reply",
                       json={"text": "您好，请问冰箱是什么型号？"}).status_code == 201
    said = stack.telegram.wait_for_messages(chat.chat_number, 1, since=mark,
                                            methods={"sendMessage"})
    assert "请问冰箱是什么型号" in said[-1].text

    mark = stack.telegram.mark()
    stack.telegram.send_text(chat.chat_number, "BCD-520W")
    assert quiet(chat, mark) == []  # staff have it: the bot stays out
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


async def test_waiting_customers_hear_their_place_when_someone_ahead_is_taken_or_leaves(stack):
    empty_line(stack)
    first, second, third = TelegramChat(stack), TelegramChat(stack), TelegramChat(stack)
    await first.say("我要找人工客服")
    assert "下一位就是您" in first.text
    await second.say("我要找人工客服")
    assert "前面还有 1 位" in second.text and WAIT.search(second.text)
    await third.say("我要找人工客服")
    assert "前面还有 2 位" in third.text

    # The first is taken: the two behind move up, and are told so once each.
    assert stack.staff("POST", f"/api/v1/handoff/{entry_of(stack, first)['id']}/take"
                       ).status_code == 200
    moved = second.wait_for("排队有进展")
    assert "下一位就是您" in moved.text and moved.buttons == ["person:leave"]
    assert "前面还有 1 位" in third.wait_for("排队有进展").text

    # The second gives up: the third is next now. The one taken hears nothing of places.
    mark = stack.telegram.mark()
    await second.press("person:leave")
    assert "已结束人工服务" in second.text
    news = [m.text for m in stack.telegram.wait_for_messages(
        third.chat_number, 1, since=mark, methods={"sendMessage"})]
    assert [m.text for m in quiet(third, mark)] == news  # and nothing more
    assert len(news) == 1 and "排队有进展" in news[0] and "下一位就是您" in news[0]
    assert quiet(second) == []  # gone from the line: no more places
    said_to_first = [m.text for m in stack.telegram.sent_messages(first.chat_number,
                                                                  methods={"sendMessage"})]
    assert not any("排队" in text for text in said_to_first)
    empty_line(stack)
