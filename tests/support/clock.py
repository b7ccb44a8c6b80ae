"""The test clock: every process the suite starts runs on it, whatever the real date.

The suite's "now" is the Tuesday 09:30 in Shanghai on or after the test day: today, or
FRONTDESK_TEST_TODAY (an ISO date; tests/test_any_date.py runs the date-dependent tests a year
ahead with it). `install()` sets FRONTDESK_CLOCK_OFFSET (backend/kernel/clock.py) before anything reads
the clock, so the backend and bot processes started later inherit it.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _test_day() -> date:
    raw = os.environ.get("FRONTDESK_TEST_TODAY", "").strip()
    return date.fromisoformat(raw) if raw else datetime.now(SHANGHAI).date()


def _anchor(day: date) -> datetime:
    tuesday = day + timedelta(days=(1 - day.weekday()) % 7)
    return datetime.combine(tuesday, time(9, 30), tzinfo=SHANGHAI)


# A Tuesday, 09:30 in Shanghai (aware).
TEST_NOW = _anchor(_test_day())
# The same moment as the bot's naive local appointment clock sees it.
NOW = TEST_NOW.replace(tzinfo=None)
TODAY = TEST_NOW.date()


def day(offset: int) -> date:
    """The test day plus `offset` days (TODAY is a Tuesday: day(4) is Saturday)."""
    return TODAY + timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


def install() -> None:
    """Run this process and the ones it starts on the test clock (call before importing
    backend.kernel.clock)."""
    if "FRONTDESK_CLOCK_OFFSET" not in os.environ:
        offset = (TEST_NOW - datetime.now(UTC)).total_seconds()
        os.environ["FRONTDESK_CLOCK_OFFSET"] = f"{offset:.3f}"
