"""Malformed and unusual Telegram updates, through the fake Bot API into the bot process (the
real python-telegram-bot, the backend on PostgreSQL): the bot stays up, answers what a
customer can really send (stickers, files, locations, 4,096 characters), and keeps answering
a normal customer afterwards. Only the fake Bot API is touched, never the channel's internals.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.chats import TelegramChat, _chat_numbers
from tests.support.stack import Stack

pytestmark = [pytest.mark.rasa, pytest.mark.postgres]

_message_ids = itertools.count(1)


def _user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Fuzz", "language_code": "zh-hans"}


def _message(chat_id: int, **content) -> dict:
    return {"message_id": next(_message_ids), "date": int(time.time()), "from": _user(chat_id),
            "chat": {"id": chat_id, "type": "private", "first_name": "Fuzz"}, **content}


# What a customer's client can really send: each gets an answer in its chat.
ANSWERED = {
    "4096 characters": lambda c: {"message": _message(c, text="冰箱" * 2048)},
    "sticker": lambda c: {"message": _message(c, sticker={
        "file_id": "sticker-1", "file_unique_id": "s1", "type": "regular", "width": 512,
        "height": 512, "is_animated": False, "is_video": False, "emoji": "🧊"})},
    "document": lambda c: {"message": _message(c, document={
        "file_id": "doc-1", "file_unique_id": "d1", "file_name": "发票.pdf",
        "mime_type": "application/pdf", "file_size": 1234})},
    "location": lambda c: {"message": _message(c, location={"latitude": 39.9,
                                                             "longitude": 116.4})},
    "contact": lambda c: {"message": _message(c, contact={"phone_number": "13812345678",
                                                           "first_name": "李"})},
    "voice": lambda c: {"message": _message(c, voice={"file_id": "v-1", "file_unique_id": "v1",
                                                       "duration": 3})},
    "emoji, RTL and zero-width text": lambda c: {"message": _message(
        c, text="\u202e🧊\u200b冰箱坏了\u200d مرحبا")},
    "a forged button": lambda c: {"callback_query": {
        "id": f"q{c}", "from": _user(c), "chat_instance": "x", "data": "cancelok:../../x:solved",
        "message": _message(c, text="old", reply_markup={"inline_keyboard": []})}},
}
# What no real client sends, or the bot has no business answering: it must survive them.
MALFORMED = {
    "no message fields": lambda c: {"message": {}},
    "message without chat": lambda c: {"message": {"message_id": 1, "date": 0, "text": "hi"}},
    "message without from": lambda c: {"message": {
        "message_id": 1, "date": 0, "chat": {"id": c, "type": "private"}, "text": "你好"}},
    "chat id as text": lambda c: {"message": _message(c, text="hi") | {
        "chat": {"id": "not-a-number", "type": "private"}}},
    "text as a list": lambda c: {"message": _message(c, text=["not", "text"])},
    "date as text": lambda c: {"message": _message(c, text="hi") | {"date": "yesterday"}},
    "unknown update type": lambda c: {"fancy_new_update": {"chat": {"id": c}}},
    "empty update": lambda c: {},
    "edited message": lambda c: {"edited_message": _message(c, text="改一下", edit_date=0)},
    "channel post": lambda c: {"channel_post": {
        "message_id": 1, "date": 0, "chat": {"id": -100 - c, "type": "channel"}, "text": "x"}},
    "group message": lambda c: {"message": _message(c, text="/start") | {
        "chat": {"id": -c, "type": "group", "title": "群"}}},
    "button without message": lambda c: {"callback_query": {
        "id": f"nq{c}", "from": _user(c), "chat_instance": "x", "data": "menu:repair"}},
    "inline button": lambda c: {"callback_query": {
        "id": f"iq{c}", "from": _user(c), "chat_instance": "x", "data": "menu:repair",
        "inline_message_id": "inline-1"}},
    "button without data": lambda c: {"callback_query": {
        "id": f"dq{c}", "from": _user(c), "chat_instance": "x", "message": _message(c, text="x")}},
    "game button": lambda c: {"callback_query": {
        "id": f"gq{c}", "from": _user(c), "chat_instance": "x", "game_short_name": "g",
        "message": _message(c, text="x")}},
    "inline query": lambda c: {"inline_query": {"id": "iq", "from": _user(c), "query": "冰箱",
                                                "offset": ""}},
    "member update": lambda c: {"my_chat_member": {
        "chat": {"id": c, "type": "private"}, "from": _user(c), "date": 0,
        "old_chat_member": {"status": "member", "user": _user(c)},
        "new_chat_member": {"status": "kicked", "user": _user(c), "until_date": 0}}},
    "text too long for Telegram": lambda c: {"message": _message(c, text="x" * 70_000)},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12)


@st.composite
def mangled_updates(draw) -> dict:
    """A real-looking message or button update with fields dropped, replaced or added."""
    chat_id = draw(st.integers(1, 10**9))
    update = draw(st.sampled_from([
        {"message": _message(chat_id, text=draw(st.text(max_size=50)))},
        {"callback_query": {"id": "m", "from": _user(chat_id), "chat_instance": "x",
                            "data": draw(st.text(max_size=64)),
                            "message": _message(chat_id, text="x")}},
    ]))
    body = next(iter(update.values()))
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(body) + ["entities", "reply_markup", "caption"]))
        if draw(st.booleans()):
            body.pop(key, None)
        else:
            body[key] = draw(json_values)
    if draw(st.booleans()):
        update[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    return update


def _answers(stack: Stack, chat_id: int, since: int, timeout: float = 30) -> list:
    return stack.telegram.wait_for_messages(chat_id, 1, since=since, timeout=timeout,
                                            methods={"sendMessage"})


def _log_size(stack: Stack) -> int:
    return stack.bot.log_path.stat().st_size


def _still_answers(stack: Stack, log_from: int) -> None:
    """A normal customer, in a new chat, gets the bot's menu; the updates before made the
    dialogue fail nowhere (an update the channel cannot read is skipped with a warning)."""
    customer = TelegramChat(stack)
    asyncio.run(customer.say("你好"))
    assert customer.buttons(), f"no menu for a normal customer: {customer.text!r}"
    assert stack.bot.process.poll() is None, "the bot process died"
    with open(stack.bot.log_path, encoding="utf-8", errors="replace") as log:
        log.seek(log_from)
        failures = [line for line in log if "dialogue failed" in line or "Traceback" in line]
    assert not failures, failures


@pytest.mark.parametrize("kind", ANSWERED)
def test_what_a_customer_can_send_is_answered(stack: Stack, kind: str):
    chat_id = next(_chat_numbers)
    mark = stack.telegram.mark()
    log_from = _log_size(stack)
    update = stack.telegram.send_raw_update(ANSWERED[kind](chat_id))
    stack.wait_until_handled(update, chat_id)  # the whole answer sent
    answers = _answers(stack, chat_id, mark)
    assert all(m.text.strip() for m in answers), answers
    with open(stack.bot.log_path, encoding="utf-8", errors="replace") as log:
        log.seek(log_from)
        assert "dialogue failed" not in log.read()


def test_malformed_updates_leave_the_bot_answering(stack: Stack):
    log_from = _log_size(stack)
    for build in MALFORMED.values():
        stack.telegram.send_raw_update(build(next(_chat_numbers)))
    _still_answers(stack, log_from)


@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(updates=st.lists(mangled_updates(), min_size=60, max_size=60))
def test_mangled_updates_leave_the_bot_answering(stack: Stack, updates: list[dict]):
    log_from = _log_size(stack)
    for update in updates:
        stack.telegram.send_raw_update(update)
    _still_answers(stack, log_from)
