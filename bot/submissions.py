"""Forms the backend could not take when the customer submitted them: tried again in the
background with the same idempotency key (one ticket, however many attempts), and the ticket
number shown in the customer's chat once it exists, once: the reply is saved together with a
mark of the submission (as a push is with its event id), so a bot killed before it dropped
the held form finds the mark in the next round and only drops it."""

from __future__ import annotations

import hashlib
import logging

from backend.kernel.workers import PeriodicWorker
from bot.channels.base import Channel
from bot.dialogue.engine import DialogueEngine

log = logging.getLogger(__name__)


class SubmissionRetrier(PeriodicWorker):
    name = "submission retrier"

    def __init__(self, engine: DialogueEngine, channels: dict[str, Channel], *,
                 interval: float = 1.0) -> None:
        super().__init__(interval=interval)
        self.engine, self.channels = engine, channels

    async def run_once(self) -> int:
        shown = 0
        for channel_name, chat_id, replies, key in await self.engine.retry_submissions():
            channel = self.channels.get(channel_name)
            if channel is None:
                continue  # served by another bot process
            mark = "held:" + hashlib.sha256(key.encode()).hexdigest()[:40]
            try:
                shown += await channel.send(chat_id, replies, event_id=mark)
            except Exception as exc:  # not saved (the bot's database away): the next round
                log.info("held ticket number not saved yet: %s", type(exc).__name__)
                continue
            await self.engine.store.drop_submission(key)
        return shown
