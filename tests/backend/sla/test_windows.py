"""Appointment windows: their hours are settings (APPOINTMENT_WINDOWS, read by the business
calendar), the one source for the backend (a visit's on-site due time) and the bot (which
window a customer's "10am" is). No database."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.kernel import business_calendar
from backend.kernel.business_calendar import BusinessCalendar, CalendarError, parse_windows
from backend.kernel.config import Settings
from backend.sla.service import appointment_end
from backend.tickets.enums import AppointmentWindow
from bot.dialogue.when import parse_when, problem_with

TZ = ZoneInfo("Asia/Shanghai")
LATE = "morning=09:00-13:00,afternoon=13:00-19:00,evening=19:00-22:00"


def test_the_default_windows_are_the_ones_we_always_had() -> None:
    calendar = BusinessCalendar.from_settings(
        Settings(appointment_windows=Settings.model_fields["appointment_windows"].default))
    assert calendar.windows == (("morning", 8 * 60, 12 * 60), ("afternoon", 12 * 60, 18 * 60),
                                ("evening", 18 * 60, 20 * 60))
    assert [name for name, _, _ in calendar.windows] == list(AppointmentWindow)
    assert BusinessCalendar.parse("08:00-20:00", "1-7", "Asia/Shanghai") == calendar


@pytest.mark.parametrize("text", [
    "morning=08:00-12:00,afternoon=12:00-18:00",  # one missing
    "morning=08:00-12:00,afternoon=12:00-18:00,evening=18:00-20:00,night=20:00-23:00",
    "morning=08:00-12:00,morning=12:00-18:00,evening=18:00-20:00",
    "morning=12:00-08:00,afternoon=12:00-18:00,evening=18:00-20:00",
    "morning=8-12,afternoon=12:00-18:00,evening=18:00-20:00",
    "morning=08:00-12:60,afternoon=12:00-18:00,evening=18:00-20:00",
])
def test_windows_that_cannot_be_understood_are_refused(text: str) -> None:
    with pytest.raises(CalendarError, match="APPOINTMENT_WINDOWS"):
        parse_windows(text)


def test_a_visits_on_site_due_time_is_the_end_of_its_configured_window() -> None:
    default = BusinessCalendar.parse("08:00-20:00", "1-7", "Asia/Shanghai")
    late = BusinessCalendar.parse("08:00-20:00", "1-7", "Asia/Shanghai", LATE)
    day = date(2026, 11, 28)
    assert appointment_end(day, "morning", default) == datetime(2026, 11, 28, 12, tzinfo=TZ)
    assert appointment_end(day, "evening", default) == datetime(2026, 11, 28, 20, tzinfo=TZ)
    assert appointment_end(day, "evening", late) == datetime(2026, 11, 28, 22, tzinfo=TZ)
    midnight = BusinessCalendar.parse("00:00-24:00", "1-7", "Asia/Shanghai",
                                      LATE.replace("22:00", "24:00"))
    assert appointment_end(day, "evening", midnight) == datetime(2026, 11, 29, 0, tzinfo=TZ)


def test_the_bot_reads_customers_times_into_the_configured_windows(monkeypatch) -> None:
    now = datetime(2026, 11, 24, 9, 30)
    assert parse_when("明天12点半", now=now).window == "afternoon"
    assert problem_with(parse_when("明天晚上9点", now=now), "明天晚上9点", now=now) == (
        "invalid.when_hours")  # 21:00: after the evening window
    monkeypatch.setattr(business_calendar, "_calendar", BusinessCalendar.parse(
        "08:00-22:00", "1-7", "Asia/Shanghai", LATE))
    assert parse_when("明天12点半", now=now).window == "morning"
    assert parse_when("明天晚上9点", now=now).window == "evening"
    assert problem_with(parse_when("明天晚上9点", now=now), "明天晚上9点", now=now) is None
    assert problem_with(parse_when("今天晚上", now=now), "今天晚上",
                        now=datetime(2026, 11, 24, 20, 30)) is None  # until 21:00 today
