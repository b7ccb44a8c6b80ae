"""Terminal chat: talk to the bot in a shell, for a first try without a Telegram token.

Buttons are shown numbered; typing the number presses the button (the numbers count the
buttons shown since the last line typed). Status updates pushed by the backend are printed as
they arrive. It sits on the same delivery layer as the other channels
(bot/channels/delivery.py): a line is stored in the inbox before its turn and the replies are
printed from the outbox, so a line typed just before the bot was killed is answered when it
starts again.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from starlette.routing import BaseRoute

from bot.channels.base import Capabilities
from bot.channels.delivery import Delivery
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import InboundMessage, Reply

log = logging.getLogger(__name__)

CHAT_ID = "local"


class TerminalChannel:
    name = "terminal"
    # Buttons are numbers to type; no files, and nothing printed can be changed.
    capabilities = Capabilities(buttons=True, photos=False, edits=False, fetch_files=False)

    def __init__(self, engine: DialogueEngine, store: ConversationStore, *,
                 out: TextIO | None = None, on_quit: Callable[[], None] = lambda: None,
                 sweep_seconds: float = 5.0) -> None:
        """`on_quit` is called when the input ends (Ctrl-D)."""
        self.out = out or sys.stdout
        self.on_quit = on_quit
        self.delivery = Delivery(self.name, engine=engine, store=store, show=self._print,
                                 sweep_seconds=sweep_seconds)
        self._buttons: list[str] = []
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        await self.delivery.start()
        self._reader = asyncio.create_task(self.run(), name="terminal-reader")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()  # a line being read is left to the thread
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.delivery.stop()

    def routes(self) -> list[BaseRoute]:
        return []

    async def send(self, chat_id: str, replies: list[Reply], *,
                   event_id: str | None = None) -> bool:
        return await self.delivery.send(chat_id, replies, event_id=event_id)

    async def _print(self, chat_id: str, reply: Reply) -> None:
        text = reply.text.replace("\n", "\n     ")
        print(f"\nbot> {text}", file=self.out)
        for row in reply.buttons:
            labels = []
            for button in row:
                self._buttons.append(button.data)
                labels.append(f"[{len(self._buttons)}] {button.label}")
            print("     " + "   ".join(labels), file=self.out)
        self.out.flush()

    def to_message(self, line: str) -> InboundMessage:
        choice = line.strip()
        button = None
        if choice.isdigit() and 1 <= int(choice) <= len(self._buttons):
            button = self._buttons[int(choice) - 1]
        self._buttons = []  # the next replies' buttons are numbered from 1
        # No update id: the delivery layer gives the line a fresh one.
        return InboundMessage(channel=self.name, chat_id=CHAT_ID,
                              text=None if button else line, button=button)

    async def run(self) -> None:
        """Read lines until end of input (Ctrl-D) and answer each before reading the next."""
        print("Terminal chat: type a message (Ctrl-D to quit). 输入消息开始对话。", file=self.out)
        try:
            while (line := await asyncio.to_thread(_read_line)) is not None:
                if not line.strip():
                    continue
                try:
                    await self.delivery.receive(self.to_message(line))
                except Exception as exc:  # the database away: the line is not kept
                    log.warning("terminal line not stored: %s", type(exc).__name__)
                    print("\n(not received, please type it again)", file=self.out)
                    continue
                await self.delivery.handle(CHAT_ID)
        finally:
            self.on_quit()


def _read_line() -> str | None:
    try:
        return input("\nyou> ")
    except EOFError:
        return None
