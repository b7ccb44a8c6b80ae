"""The one clock every process reads: the backend, its workers and the bot.

`FRONTDESK_CLOCK_OFFSET` (seconds, may be negative) moves it. The test suite sets it once so
that every process it starts (backend, bot, workers) runs on the same test clock, whatever the
real date (tests/support/clock.py); it is refused in production. In-process tests that move
time themselves put their own clock in with `running_on(clock)`: every reader of `utcnow`,
whichever module, then reads that one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def _real() -> datetime:
    return datetime.now(UTC) + OFFSET


_source: Callable[[], datetime] = _real


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return _source()


@contextmanager
def running_on(clock: Callable[[], datetime]) -> Iterator[None]:
    """Within the block, `utcnow()` (and the local times derived from it) is `clock()`: an
    aware datetime the caller moves as it likes."""
    global _source
    previous, _source = _source, clock
    try:
        yield
    finally:
        _source = previous


def local_naive() -> datetime:
    """Now in the machine's local time, naive (the bot's appointment clock by default)."""
    return utcnow().astimezone().replace(tzinfo=None)


def local_now(zone: str | ZoneInfo) -> datetime:
    """Now in a time zone (aware)."""
    return utcnow().astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))
