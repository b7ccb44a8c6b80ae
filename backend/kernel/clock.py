"""The one clock every process reads: the backend, its workers and the bot.

`FRONTDESK_CLOCK_OFFSET` (seconds, may be negative) moves it. The test suite sets it once so
that every process it starts (backend, bot, workers) runs on the same test clock, whatever the
real date (tests/support/clock.py); it is refused in production.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def _offset() -> timedelta:
    raw = os.environ.get("FRONTDESK_CLOCK_OFFSET", "").strip()
    if not raw:
        return timedelta(0)
    if os.environ.get("ENVIRONMENT", "").lower() == "production":
        raise RuntimeError("FRONTDESK_CLOCK_OFFSET is for tests: unset it in production")
    return timedelta(seconds=float(raw))


OFFSET = _offset()


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC) + OFFSET


def local_naive() -> datetime:
    """Now in the machine's local time, naive (the bot's appointment clock by default)."""
    return datetime.now() + OFFSET


def local_now(zone: str | ZoneInfo) -> datetime:
    """Now in a time zone (aware)."""
    return utcnow().astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))
