"""What every part of the dialogue is handed: the NLU, the backend, the conversation store,
the clock and the hotline, the channels that can send files, and one lock per chat (its turns
and pushes one at a time)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from backend.kernel.clock import local_naive, utcnow
from bot.backend_client import BackendClient
from bot.dialogue import understanding
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import Document
from nlu.client import NluClient, NluUnavailable, Parse

# What Rasa reads of a message: its time grows with the length (4,096 characters took it
# 150-650 ms against 20 ms), and a request is said in the first lines.
NLU_TEXT = 500


@dataclass
class Services:
    nlu: NluClient
    backend: BackendClient
    store: ConversationStore
    hotline: str = ""
    # The local time the customer's words are read against (明天下午, next Monday).
    clock: Callable[[], datetime] = local_naive
    # Seconds between attempts at a form the backend could not take (the last repeats).
    retry_delays: tuple[float, ...] = (5, 10, 20, 40, 60)
    # Per channel that can send the customer a file (bot/main.py): send one to a chat, now.
    file_senders: dict[str, Callable[[str, Document], Awaitable[None]]] = field(
        default_factory=dict)
    _locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock))

    @staticmethod
    def clock_utc() -> datetime:
        return utcnow()

    def lock(self, channel: str, chat_id: str) -> asyncio.Lock:
        """One chat's turns and pushes happen one at a time."""
        return self._locks[(channel, chat_id)]

    async def understand(self, text: str) -> Parse | None:
        """What the message asks for; None when the NLU is unavailable."""
        try:
            return await understanding.understand(self.nlu, text, NLU_TEXT)
        except NluUnavailable:
            return None
