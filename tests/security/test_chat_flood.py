"""Flood control in the customer chat (bot/ratelimit.py): a chat writing too fast gets one
polite "please slow down" in its language, then silence until its bucket refills; an address
opening too many web chat connections is turned away. The web chat runs on a real uvicorn
server and is driven by a real WebSocket client."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from bot import catalogue
from bot.channels.webchat import WebChatChannel
from bot.channels.webchat_upload import WebChatFiles
from bot.dialogue.types import InboundMessage
from bot.ratelimit import RateLimit, Verdict, slow_down_reply
from tests.support.offline import offline_engine, store_url
from tests.support.processes import free_port

SLOW_DOWN = {catalogue.text(language, "ratelimit.slow_down")
             for language in ("zh-Hans", "zh-Hant", "en")}


def test_one_warning_then_silence_until_the_window_passes() -> None:
    now = [0.0]
    limit = RateLimit(per_minute=6, burst=2, clock=lambda: now[0])
    assert [limit.allow("chat-1") for _ in range(5)] == [
        Verdict.allow, Verdict.allow, Verdict.slow_down, Verdict.drop, Verdict.drop]
    assert limit.allow("chat-2") is Verdict.allow  # other chats are not affected

    now[0] = 10.0  # one message's worth refilled
    assert limit.allow("chat-1") is Verdict.allow
    assert limit.allow("chat-1") is Verdict.slow_down  # a new flood: told again, once
    assert limit.allow("chat-1") is Verdict.drop


@pytest.mark.parametrize(("text", "language"), [("快点快点", "zh-Hans"), ("師傅到底幾點來", "zh-Hant"),
                                                ("hello??", "en")])
def test_slow_down_is_said_in_the_customers_language(text, language) -> None:
    reply = slow_down_reply(InboundMessage(channel="webchat", chat_id="web-x", text=text))
    assert reply.text == catalogue.text(language, "ratelimit.slow_down")


@pytest.fixture
async def webchat(tmp_path):
    """The web chat on loopback (NLU unreachable: every message gets the basic-mode menu)."""
    async with offline_engine(tmp_path) as engine:
        channel = WebChatChannel(engine, engine.store, files=WebChatFiles(store_url(tmp_path)),
                                 messages=RateLimit(per_minute=1, burst=3),
                                 connections=RateLimit(per_minute=1, burst=3))
        await channel.start()
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(Starlette(routes=channel.routes()),
                                               host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        yield f"ws://127.0.0.1:{port}/chat/ws"
        server.should_exit = True
        await task
        await channel.stop()
        await channel.files.close()


async def said(socket) -> list[str]:
    """Every text the bot sends before its answer to a malformed frame sent now: the chat's
    frames are handled one at a time, in order, so that is all it says to the ones before
    (the acks of the frames, which say only that a frame is stored, left out)."""
    await socket.send(json.dumps({"id": "barrier"}))  # neither text nor button
    texts = []
    while "error" not in (frame := json.loads(await asyncio.wait_for(socket.recv(), 30))):
        if "ack" not in frame:
            texts.append(frame["text"])
    return texts


async def test_a_flooding_web_chat_is_told_once_then_ignored(webchat) -> None:
    async with connect(f"{webchat}?session={secrets.token_urlsafe(16)}&lang=en") as socket:
        for n in range(3):
            await socket.send(json.dumps({"id": f"m{n}", "text": "hello"}))
            answered = await said(socket)
            assert answered and not SLOW_DOWN & set(answered)

        for n in range(3, 8):
            await socket.send(json.dumps({"id": f"m{n}", "text": "hello"}))
        flood = await said(socket)

    assert flood == [catalogue.text("en", "ratelimit.slow_down")]


async def test_too_many_connections_from_one_address_are_refused(webchat) -> None:
    for _ in range(3):
        async with connect(f"{webchat}?session={secrets.token_urlsafe(16)}"):
            pass
    with pytest.raises(InvalidStatus):
        async with connect(f"{webchat}?session={secrets.token_urlsafe(16)}"):
            pass
