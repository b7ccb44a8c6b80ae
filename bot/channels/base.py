"""The one interface every chat channel implements for the rest of the bot."""

from __future__ import annotations

from typing import Protocol

from bot.dialogue.types import Reply


class Channel(Protocol):
    name: str

    async def send(self, chat_id: str, replies: list[Reply]) -> None:
        """Show replies in a chat (a push, or the answer to a customer's message)."""
