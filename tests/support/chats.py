"""One customer's chat, driven either straight into the dialogue engine or through Telegram.

Both drivers offer the same calls, so a conversation test runs on either: `say`, `press`,
`photo`, then `text` / `buttons()` for what the bot answered, and `tickets()` for what the
backend holds for this customer."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from backend.clock import local_now
from backend.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
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
