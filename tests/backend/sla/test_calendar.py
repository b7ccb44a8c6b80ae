"""Business-hours arithmetic with fixed times (Asia/Shanghai, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.kernel.business_calendar import (
    BusinessCalendar,
    CalendarError,
    due,
    parse_days,
    warning,
)

TZ = ZoneInfo("Asia/Shanghai")
EVERY_DAY = BusinessCalendar.parse("08:00-20:00", "1-7", "Asia/Shanghai")
WEEKDAYS = BusinessCalendar.parse("08:00-20:00", "1-5", "Asia/Shanghai")
LUNCH_BREAK = BusinessCalendar.parse("08:00-12:00,13:00-18:00", "1-5", "Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (the 27th is a Friday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(("calendar", "start", "minutes", "expected"), [
    # inside business hours, same day
    (EVERY_DAY, local(24, 9), 120, local(24, 11)),
    # overnight: 1 h left today, the other 3 h from 08:00 tomorrow
    (EVERY_DAY, local(24, 19), 240, local(25, 11)),
    # started at night: the clock starts at the next opening
    (EVERY_DAY, local(24, 23, 30), 30, local(25, 8, 30)),
    (EVERY_DAY, local(25, 3), 60, local(25, 9)),
    # exactly at closing time: nothing left today
    (EVERY_DAY, local(24, 20), 60, local(25, 9)),
    # three days of 12 business hours
    (EVERY_DAY, local(24, 8), 36 * 60, local(26, 20)),
    # weekend configured off: Friday 19:00 + 2 h is Monday 09:00
    (WEEKDAYS, local(27, 19), 120, local(30, 9)),
    # started on Saturday: Monday's opening
    (WEEKDAYS, local(28, 10), 30, local(30, 8, 30)),
    # the weekend counts when business_days says so
    (EVERY_DAY, local(27, 19), 120, local(28, 9)),
    # a lunch break is skipped
    (LUNCH_BREAK, local(24, 11), 120, local(24, 14)),
    (LUNCH_BREAK, local(24, 12, 30), 30, local(24, 13, 30)),
    # zero minutes outside hours: the next opening
    (WEEKDAYS, local(28, 10), 0, local(30, 8)),
])
def test_adding_business_minutes(calendar, start, minutes, expected) -> None:
    assert calendar.add(start, minutes) == expected
    assert due(start=start, minutes=minutes, business_hours_only=True,
               calendar=calendar) == expected


def test_around_the_clock_ignores_business_hours() -> None:
    start = local(27, 19)
    assert due(start=start, minutes=120, business_hours_only=False,
               calendar=WEEKDAYS) == local(27, 21)


def test_utc_input_is_the_same_moment() -> None:
    start = local(24, 19).astimezone(ZoneInfo("UTC"))
    assert EVERY_DAY.add(start, 240) == local(25, 11)


@pytest.mark.parametrize(("start", "end", "minutes"), [
    (local(24, 9), local(24, 11), 120),
    (local(24, 19), local(25, 11), 240),
    (local(27, 19), local(30, 9), 120),  # weekdays: the weekend does not count
    (local(24, 22), local(25, 7), 0),
    (local(24, 11), local(24, 9), 0),
])
def test_business_minutes_between(start, end, minutes) -> None:
    assert WEEKDAYS.minutes_between(start, end) == minutes


def test_nearly_due_is_the_last_quarter_of_the_window() -> None:
    # 4 business hours from Friday 19:00 (weekdays): due Monday 11:00; a quarter (1 h) left
    # from Monday 10:00, not from Sunday.
    start = local(27, 19)
    due_at = WEEKDAYS.add(start, 240)
    assert due_at == local(30, 11)
    assert warning(start=start, due_at=due_at, business_hours_only=True,
                   calendar=WEEKDAYS) == local(30, 10)
    # around the clock: three quarters of the wall-clock window
    assert warning(start=start, due_at=start + timedelta(hours=4), business_hours_only=False,
                   calendar=WEEKDAYS) == local(27, 22)


def test_days_and_hours_are_parsed_strictly() -> None:
    assert parse_days("1-5,7") == {1, 2, 3, 4, 5, 7}
    assert parse_days("6") == {6}
    calendar = BusinessCalendar.parse("08:00-12:00, 13:00-24:00", "1-7", "Asia/Shanghai")
    assert calendar.add(local(24, 23), 90) == local(25, 8, 30)
    for hours in ("8-20", "20:00-08:00", "08:00-12:00,11:00-13:00", "08:60-09:00",
                  "00:00-25:00"):
        with pytest.raises(CalendarError, match="BUSINESS_HOURS"):
            BusinessCalendar.parse(hours, "1-7", "Asia/Shanghai")
    for days in ("", "0-5", "5-1", "mon-fri", "1-8"):
        with pytest.raises(CalendarError, match="BUSINESS_DAYS"):
            BusinessCalendar.parse("08:00-20:00", days, "Asia/Shanghai")


def test_a_calendar_without_opening_hours_counts_every_hour() -> None:
    closed = BusinessCalendar.parse("23:59-23:59", "1-7", "Asia/Shanghai")
    assert closed.add(local(24, 9), 120) == local(24, 11)
    assert closed.minutes_between(local(24, 9), local(24, 11)) == 120
