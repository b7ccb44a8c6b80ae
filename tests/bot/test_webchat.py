"""The web chat on the delivery layer, fast: the channel on a real uvicorn server on loopback,
driven by a real WebSocket client, with the real engine and store on SQLite (NLU and backend
unreachable: every message gets the basic-mode menu). A turn can be held at its start, so a
page can close while its message is being answered. (The same with the bot process and Rasa:
tests/faults/test_webchat_faults.py, tests/e2e/test_restart_and_webchat.py.)"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from bot.channels.webchat import WebChatChannel
from bot.channels.webchat_upload import WebChatFiles
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import InboundMessage, Reply
from bot.ratelimit import RateLimit
from tests.support.offline import offline_engine, store_url
from tests.support.processes import free_port


class HeldEngine(DialogueEngine):
    """Turns wait at a gate, open unless a test closes it: a turn under way for as long as
    the test likes."""

    def __init__(self, **parts) -> None:
        super().__init__(**parts)
        self.gate, self.waiting = asyncio.Event(), asyncio.Event()
        self.gate.set()

    async def handle(self, message: InboundMessage, *, outbox: bool = False) -> list[Reply]:
        self.waiting.set()
        await self.gate.wait()
        return await super().handle(message, outbox=outbox)


class Server:
    def __init__(self, store: ConversationStore, engine: DialogueEngine,
                 files: WebChatFiles, *, messages: RateLimit | None = None,
                 connections: RateLimit | None = None) -> None:
        """Flood control (per chat: `messages`, per address: `connections`) out of the way
        unless given."""
        self.store, self.engine = store, engine
        self.channel = WebChatChannel(
            engine, store, files=files,
            messages=messages or RateLimit(per_minute=6000, burst=1000),
            connections=connections or RateLimit(per_minute=6000, burst=1000),
            sweep_seconds=0.1)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(
            Starlette(routes=self.channel.routes()), host="127.0.0.1", port=self.port,
            log_level="warning", lifespan="off"))
        self.session = secrets.token_urlsafe(16)
        self.chat_id = f"web-{self.session}"

    def page(self, session: str | None = None):
        """A page of the chat (another chat with `session`)."""
        return connect(f"ws://127.0.0.1:{self.port}/chat/ws?session={session or self.session}"
                       "&lang=en")

    async def waiting(self) -> tuple[int, bool]:
        """(frames in the inbox, replies in the outbox?) of the chat."""
        return (len(await self.store.inbox("webchat", self.chat_id)),
                self.chat_id in await self.store.chats_with_outgoing("webchat"))

    async def until(self, state: tuple[int, bool]) -> None:
        for _ in range(500):
            if await self.waiting() == state:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{await self.waiting()} is not {state}")


@asynccontextmanager
async def serving(folder: Path, **limits: RateLimit) -> AsyncIterator[Server]:
    """The web chat on loopback, its store in `folder` (flood control: `Server`)."""
    async with offline_engine(folder, engine_class=HeldEngine) as engine:
        server = Server(engine.store, engine, WebChatFiles(store_url(folder)), **limits)
        await server.channel.start()
        task = asyncio.create_task(server.server.serve())
        while not server.server.started:
            await asyncio.sleep(0.02)
        try:
            yield server
        finally:
            server.server.should_exit = True
            await task
            await server.channel.stop()
            await server.channel.files.close()


@pytest.fixture
async def web(tmp_path):
    async with serving(tmp_path) as server:
        yield server


async def post(socket: ClientConnection, text: str, frame_id: str | None = None) -> str:
    """Send a message and wait for its ack (it is in the bot's inbox); the frame's id."""
    frame_id = frame_id or secrets.token_hex(8)
    await socket.send(json.dumps({"id": frame_id, "text": text}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"ack": frame_id}
    return frame_id


async def shown(socket: ClientConnection) -> list[str]:
    """The texts shown on the page before the bot's answer to a malformed frame sent now."""
    await socket.send(json.dumps({"id": "barrier"}))
    texts = []
    while "error" not in (frame := json.loads(await asyncio.wait_for(socket.recv(), 10))):
        assert "ack" not in frame, frame
        texts.append(frame["text"])
    return texts


async def answer_to_hello(web: Server) -> list[str]:
    async with web.page(secrets.token_urlsafe(16)) as other:
        await post(other, "hello")
        texts = await shown(other)
    assert texts
    return texts


async def test_a_frame_is_acknowledged_then_answered(web):
    async with web.page() as page:
        await post(page, "hello")
        assert await shown(page) == await answer_to_hello(web)
    await web.until((0, False))  # each reply deleted once shown (just after)


async def test_every_open_page_of_a_chat_is_shown_every_reply(web):
    answer = await answer_to_hello(web)
    async with web.page() as first, web.page() as second:
        await post(first, "hello")
        assert await shown(first) == answer
        assert await shown(second) == answer
        await web.channel.send(web.chat_id, [Reply("pushed")])
        assert await shown(first) == ["pushed"] and await shown(second) == ["pushed"]


async def test_an_answer_to_a_page_closed_mid_turn_is_shown_once_when_it_is_back(web):
    answer = await answer_to_hello(web)
    web.engine.gate.clear()
    web.engine.waiting.clear()
    async with web.page() as page:
        await post(page, "hello")
        await web.engine.waiting.wait()
    web.engine.gate.set()  # the turn goes on with the page closed
    await web.until((0, True))

    async with web.page() as back:
        assert await shown(back) == answer
    async with web.page() as later:
        assert await shown(later) == []
    await web.until((0, False))  # each reply deleted once shown (just after)


async def test_a_push_while_no_page_is_open_is_taken_and_shown_on_connect_once(web):
    await web.channel.send(web.chat_id, [Reply("assigned"), Reply("a technician comes")])
    assert await web.waiting() == (0, True)
    async with web.page() as page:
        assert await shown(page) == ["assigned", "a technician comes"]
    async with web.page() as page:
        assert await shown(page) == []


async def test_a_frame_sent_again_after_a_reconnect_is_answered_once(web):
    answer = await answer_to_hello(web)
    web.engine.gate.clear()
    async with web.page() as page:
        frame = await post(page, "hello")
    async with web.page() as again:  # the ack was not seen: the page sends the frame again
        await again.send(json.dumps({"id": frame, "text": "hello"}))
        web.engine.gate.set()
        await web.until((0, False))
        await again.send(json.dumps({"id": "barrier"}))
        frames = []
        while "error" not in (received := json.loads(await asyncio.wait_for(again.recv(), 10))):
            frames.append(received)
    assert [f["text"] for f in frames if "text" in f] == answer
    assert frames.count({"ack": frame}) == 1


async def test_a_frame_stored_before_the_bot_stopped_is_answered_after_the_restart(web):
    answer = await answer_to_hello(web)
    await web.channel.stop()  # its sweep is not to answer in the restarted one's place
    # Received (in the inbox) by a process that died before its turn.
    await web.channel.delivery.receive(InboundMessage(
        channel="webchat", chat_id=web.chat_id, update_id="old:1", text="hello"))

    # The next process, on the same database.
    restarted = Server(web.store, web.engine, web.channel.files)
    await restarted.channel.start()
    task = asyncio.create_task(restarted.server.serve())
    while not restarted.server.started:
        await asyncio.sleep(0.02)
    try:
        restarted.session, restarted.chat_id = web.session, web.chat_id
        await restarted.until((0, True))  # the sweep handled it; no page to show it on
        async with restarted.page() as page:
            assert await shown(page) == answer
        async with restarted.page() as page:
            assert await shown(page) == []
    finally:
        restarted.server.should_exit = True
        await task
        await restarted.channel.stop()
