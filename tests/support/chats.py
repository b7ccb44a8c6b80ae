"""One customer's chat, driven either straight into the dialogue engine or through Telegram.

Both drivers offer the same calls, so a conversation test runs on either: `say`, `press`,
`photo`, then `text` / `buttons()` for what the bot answered, and `tickets()` for what the
backend holds for this customer. `WebChat` is one page of a web chat on a real WebSocket to
the bot process."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from websockets.sync.client import connect

from backend.kernel.clock import local_now
from backend.kernel.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import SignedRequests
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import Attachment, InboundMessage
from tests.support.stack import Stack

_chat_numbers = itertools.count(int(time.time()) % 1_000_000 * 1000)


@dataclass
class Said:
    """What the bot said in one message: its text and its buttons' callback data."""

    text: str
    buttons: list[str] = field(default_factory=list)


class _Chat:
    channel: str
    chat_id: str
    backend_url: str
    now: datetime
    last: list[Said]

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.last)

    def buttons(self) -> list[str]:
        return [data for said in self.last for data in said.buttons]

    def _offered(self, data: str) -> None:
        assert data in self.buttons(), f"{data} not offered; buttons were {self.buttons()}"

    def open_ticket(self, **fields) -> str:
        """A repair ticket for this customer, made through the bot's API; its number."""
        body = {"customer": {"channel": self.channel, "chat_id": self.chat_id,
                             "language": "zh-Hans"},
                "type": "repair", "product": "冰箱", "description": "不制冷",
                "phone": "13800000000", "address": "北京市东城区王府井大街1号", **fields}
        response = httpx.post(f"{self.backend_url}/api/v1/tickets", json=body, timeout=10,
                              auth=SignedRequests(DEV_INTERNAL_SECRET),
                              headers={"Idempotency-Key": f"{self.chat_id}-{time.time_ns()}"})
        response.raise_for_status()
        return response.json()["number"]

    def register_product(self, **fields) -> dict:
        """A product this customer owns, registered through the bot's API."""
        response = httpx.post(
            f"{self.backend_url}/api/v1/customers/{self.channel}/{self.chat_id}/products",
            json=fields, auth=SignedRequests(DEV_INTERNAL_SECRET), timeout=10)
        response.raise_for_status()
        return response.json()

    def products(self) -> list[dict]:
        """The customer's registered products, as the bot's API lists them."""
        mine = httpx.get(
            f"{self.backend_url}/api/v1/customers/{self.channel}/{self.chat_id}/products",
            auth=SignedRequests(DEV_INTERNAL_SECRET), timeout=10)
        mine.raise_for_status()
        return mine.json()

    def tickets(self) -> list[dict]:
        """The customer's tickets in full, as staff see them (oldest first)."""
        mine = httpx.get(
            f"{self.backend_url}/api/v1/customers/{self.channel}/{self.chat_id}/tickets",
            auth=SignedRequests(DEV_INTERNAL_SECRET), timeout=10)
        mine.raise_for_status()
        return [httpx.get(f"{self.backend_url}/api/v1/tickets/{t['number']}", timeout=10,
                          headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}).json()
                for t in reversed(mine.json())]


class EngineChat(_Chat):
    """Messages handed straight to a DialogueEngine, as a channel adapter would."""

    def __init__(self, engine: DialogueEngine, backend_url: str, now: datetime):
        self.engine, self.backend_url, self.now = engine, backend_url, now
        self.channel = "webchat"
        self.chat_id = f"chat-{next(_chat_numbers)}"
        self._updates = itertools.count(1)
        self.last = []

    async def say(self, text: str, **extra) -> list[Said]:
        return await self._send(text=text, **extra)

    async def press(self, data: str) -> list[Said]:
        self._offered(data)
        return await self._send(button=data)

    async def photo(self, caption: str | None = None) -> list[Said]:
        return await self._send(text=caption, attachments=(Attachment("photo", "file-1"),))

    async def _send(self, **fields) -> list[Said]:
        update_id = fields.pop("update_id", None) or f"u{next(self._updates)}"
        replies = await self.engine.handle(InboundMessage(
            channel=self.channel, chat_id=self.chat_id, update_id=update_id, **fields))
        self.last = [Said(r.text, [b.data for row in r.buttons for b in row]) for r in replies]
        return self.last


class TelegramChat(_Chat):
    """Messages sent through the fake Telegram Bot API to the bot process.

    An answer is complete when the bot is done with the update (`Stack.handled`: confirmed to
    Telegram, out of the bot's inbox, the chat's outbox of replies empty), read from the bot's
    own tables: no quiet spell is waited out, and a slow turn is never cut short."""

    def __init__(self, stack: Stack, language_code: str = "zh-hans"):
        self.stack, self.language_code = stack, language_code
        self.backend_url = stack.backend_url
        self.channel = "telegram"
        self.chat_number = next(_chat_numbers)
        self.chat_id = str(self.chat_number)
        self.now = local_now("Asia/Shanghai").replace(tzinfo=None)
        self.last = []

    async def say(self, text: str, **extra) -> list[Said]:
        mark = self.stack.telegram.mark()
        update = self.stack.telegram.send_text(self.chat_number, text,
                                               language_code=self.language_code)
        return self.answer(mark, update)

    async def press(self, data: str, *, again: bool = False) -> list[Said]:
        """Press a button of the bot's latest message with buttons (an answer, or a push such
        as a survey question); `again` presses one that was already used (a double press)."""
        mark = self.stack.telegram.mark()
        update = self.stack.telegram.press_button(self.chat_number, data, check=not again)
        return self.answer(mark, update)

    def wait_for(self, text: str, timeout: float = 30) -> Said:
        """The message containing `text` that the bot pushes into this chat (not an answer),
        once the rest of that push is sent too."""
        telegram, deadline = self.stack.telegram, time.monotonic() + timeout

        def arrived():
            return next((m for m in telegram.sent_messages(self.chat_number,
                                                           methods={"sendMessage"})
                         if text in m.text), None)

        try:
            message = telegram.wait_until(arrived, timeout, f"{text!r} in chat {self.chat_id}")
        except AssertionError:
            raise AssertionError(f"{text!r} never arrived in chat {self.chat_id}") from None
        # The push's replies were saved together: the outbox empty, all of them are sent.
        self.stack.wait_until_sent_out(self.chat_number,
                                       max(5.0, deadline - time.monotonic()))
        return Said(message.text, [data for _, data in telegram.buttons(message)])

    async def photo(self, caption: str | None = None) -> list[Said]:
        mark = self.stack.telegram.mark()
        update = self.stack.telegram.send_photo(self.chat_number, caption)
        return self.answer(mark, update)

    def answer(self, mark: int, update_id: int, timeout: float = 60) -> list[Said]:
        """The bot's whole answer to the update: its messages to this chat after `mark`, once
        the bot is done with the update. At least one (the bot always answers a customer)."""
        telegram = self.stack.telegram
        self.stack.wait_until_handled(update_id, self.chat_number, timeout)
        messages = [m for m in telegram.sent_messages(self.chat_number, methods={"sendMessage"})
                    if m.seq > mark]
        if not messages:
            # Said by a push instead (waiting for staff: the backend answers with the place in
            # the line): once the backend's pushes to the chat are delivered, it is here.
            self.stack.wait_until(lambda: self.stack.pushes_pending(self.chat_number) == 0,
                                  f"the backend's pushes to chat {self.chat_id}", timeout)
            self.stack.wait_until_sent_out(self.chat_number, timeout)
            messages = [m for m in telegram.sent_messages(self.chat_number,
                                                          methods={"sendMessage"})
                        if m.seq > mark]
        assert messages, (f"the bot handled update {update_id} of chat {self.chat_id} and "
                          f"said nothing; its requests: {telegram.requests[-10:]!r}")
        self.last = [Said(m.text, [data for _, data in telegram.buttons(m)]) for m in messages]
        return self.last


# What the bot still has to do for a web chat: frames in its inbox, replies in its outbox.
_WEB_WAITING = """
    SELECT (SELECT count(*) FROM bot_inbox WHERE channel = 'webchat' AND chat_id = $1)
               AS inbox,
           (SELECT count(*) FROM bot_outgoing WHERE channel = 'webchat' AND chat_id = $1)
               AS outgoing"""


class WebChat:
    """One page of a browser's web chat, on a real WebSocket to the bot process; `tab()` opens
    another page of the same chat (same session).

    The bot handles a socket's frames one at a time, in order, and answers a malformed frame
    with an error at once: one sent after a message comes back after the whole answer, and
    one sent once the bot is done with the chat (`waiting()` all zero) comes back after
    everything the bot showed on this page. So the end of an answer is an event (no quiet
    spell waited out). The bot's acks of frames are collected in `acks`, not returned."""

    def __init__(self, stack: Stack, session: str | None = None, lang: str = "en-GB"):
        self.stack, self.lang = stack, lang
        self.session = session or secrets.token_hex(16)
        self.chat_id = f"web-{self.session}"
        self.url = (stack.bot_url.replace("http://", "ws://")
                    + f"/chat/ws?session={self.session}&lang={lang}")
        self._open = ExitStack()  # websockets wants its connections used as contexts
        self.socket = self._open.enter_context(connect(self.url, open_timeout=10))
        self.acks: list[str] = []
        self._unread: list[dict] = []

    def tab(self) -> WebChat:
        """Another page of the same chat."""
        return WebChat(self.stack, self.session, self.lang)

    def post(self, frame_id: str | None = None, **frame) -> str:
        """Send a message or a button and wait for the bot's ack (it is in the bot's inbox);
        the frame's id."""
        frame_id = frame_id or secrets.token_hex(8)
        self.socket.send(json.dumps({"id": frame_id, **frame}))
        while frame_id not in self.acks:
            received = json.loads(self.socket.recv(timeout=60))
            if "ack" in received:
                self.acks.append(received["ack"])
            else:  # shown on this page meanwhile (another tab's answer, a push): kept
                self._unread.append(received)
        return frame_id

    def send(self, **frame) -> list[dict]:
        """The bot's whole answer to a message or a button (at least one frame)."""
        self.post(**frame)
        received = self.until_barrier()
        assert received, f"no answer to {frame}"
        return received

    def receive(self) -> list[dict]:
        """What the bot pushes: the frames of every push the backend has for this chat, once
        the first arrived, the backend holds none undelivered and the bot has shown all."""
        received = [self._next(timeout=30)]
        self.stack.wait_until(lambda: not self.stack.pushes_pending(self.chat_id, "webchat"),
                              f"the pushes to {self.chat_id} delivered")
        return received + self.shown()

    def waiting(self) -> dict:
        """What the bot still has to do for this chat: {"inbox": n, "outgoing": n}."""
        [row] = self.stack.bot_sql(_WEB_WAITING, self.chat_id)
        return dict(row)

    def shown(self, timeout: float = 60) -> list[dict]:
        """Everything shown on this page not read yet, once the bot is done with the chat."""
        self.stack.wait_until(lambda: not any(self.waiting().values()),
                              f"the bot done with {self.chat_id}", timeout)
        return self.until_barrier()

    def until_barrier(self) -> list[dict]:
        self.socket.send(json.dumps({"id": "barrier"}))  # neither text nor button
        received = []
        while "error" not in (frame := self._next()):
            received.append(frame)
        return received

    def close(self) -> None:
        self._open.close()

    def _next(self, timeout: float = 60) -> dict:
        """The next frame that is not an ack (acks are noted)."""
        if self._unread:
            return self._unread.pop(0)
        while "ack" in (frame := json.loads(self.socket.recv(timeout=timeout))):
            self.acks.append(frame["ack"])
        return frame
