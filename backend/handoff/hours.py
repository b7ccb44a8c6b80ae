"""Business hours for live conversations: are staff there now, and when are they back.
The service-level calendar (`backend.kernel.business_calendar`) is the one definition of business hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.kernel.business_calendar import BusinessCalendar
from backend.kernel.config import Settings


def is_open(settings: Settings, now: datetime) -> bool:
    calendar = BusinessCalendar.from_settings(settings)
    return calendar.minutes_between(now, now + timedelta(minutes=1)) > 0


def next_opening(settings: Settings, now: datetime) -> datetime:
    """When staff are next there (local time), for "we are back at …"."""
    calendar = BusinessCalendar.from_settings(settings)
    return calendar.add(now, 0).astimezone(calendar.timezone)
