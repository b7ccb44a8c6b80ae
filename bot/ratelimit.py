"""Flood control for the customer-facing chat: a token bucket per key (a chat, or a client
address for new web chat connections).

    limit = RateLimit(per_minute=30, burst=10)
    verdict = limit.allow(chat_id)
    if verdict is Verdict.slow_down:      # the first message over the limit
        await channel.send(chat_id, [slow_down_reply(message)])
    elif verdict is Verdict.drop:         # further ones until the bucket refills: no reply
        ...

In memory, per process (several bot processes each count their own share).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from backend.kernel.ratelimit import TokenBuckets
from bot import catalogue
from bot.dialogue.types import InboundMessage, Reply
from bot.language import detect_language

MAX_WARNED = 50_000


class Verdict(enum.Enum):
    allow = "allow"
    slow_down = "slow_down"  # over the limit for the first time: tell the customer, once
    drop = "drop"  # still over the limit: ignore without a reply


class RateLimit:
    def __init__(self, *, per_minute: float, burst: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets = TokenBuckets(per_minute=per_minute, capacity=burst, clock=clock)
        self._warned: set[str] = set()

    def allow(self, key: str) -> Verdict:
        if self._buckets.take(key) == 0.0:
            self._warned.discard(key)
            return Verdict.allow
        if key in self._warned:
            return Verdict.drop
        if len(self._warned) >= MAX_WARNED:  # a flood of keys: forget who was told
            self._warned.clear()
        self._warned.add(key)
        return Verdict.slow_down


def slow_down_reply(message: InboundMessage) -> Reply:
    """"Please slow down", in the language of the message (no database read: it is cheap
    under a flood)."""
    language = detect_language(message.text or "", hint=message.locale_hint)
    return Reply(catalogue.text(language, "ratelimit.slow_down"))
