"""Terminal chat: talk to the bot in a shell, for a first try without a Telegram token.

Buttons are shown numbered; typing the number presses the button. Status updates pushed by
the backend are printed as they arrive.
"""

from __future__ import annotations

import asyncio
import sys
from itertools import count

from bot.dialogue.engine import DialogueEngine
from bot.dialogue.types import InboundMessage, Reply

CHAT_ID = "local"


class TerminalChannel:
    name = "terminal"

    def __init__(self, engine: DialogueEngine, *, out=None) -> None:
        self.engine = engine
        self.out = out or sys.stdout
        self._buttons: list[str] = []
        self._updates = count(1)

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        self._buttons = []
        for reply in replies:
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
        return InboundMessage(
            channel=self.name, chat_id=CHAT_ID, update_id=None,
            text=None if button else line, button=button,
        )

    async def run(self) -> None:
        """Read lines until end of input (Ctrl-D) and answer each."""
        print("Terminal chat: type a message (Ctrl-D to quit). 输入消息开始对话。", file=self.out)
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None:
                return
            if not line.strip():
                continue
            await self.send(CHAT_ID, await self.engine.handle(self.to_message(line)))


def _read_line() -> str | None:
    try:
        return input("\nyou> ")
    except EOFError:
        return None
