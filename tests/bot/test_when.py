from datetime import date, datetime

import pytest

from bot.dialogue.when import Appointment, parse_when, problem_with

# A Tuesday morning.
NOW = datetime(2026, 11, 24, 9, 30)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天下午", (date(2026, 11, 25), "afternoon")),
    ("明天", (date(2026, 11, 25), None)),
    ("後天上午", (date(2026, 11, 26), "morning")),
    ("聽日下晝", (date(2026, 11, 25), "afternoon")),
    ("周六上午", (date(2026, 11, 28), "morning")),
    ("週六早上", (date(2026, 11, 28), "morning")),
    ("星期五晚上", (date(2026, 11, 27), "evening")),
    ("下周一上午", (date(2026, 11, 30), "morning")),
    ("下個禮拜三", (date(2026, 12, 2), None)),
    ("12月1日下午3点", (date(2026, 12, 1), "afternoon")),
    ("11月28号 上午10点", (date(2026, 11, 28), "morning")),
    ("2026-11-30 14:00", (date(2026, 11, 30), "afternoon")),
    ("tomorrow afternoon", (date(2026, 11, 25), "afternoon")),
    ("next Monday morning", (date(2026, 11, 30), "morning")),
    ("Saturday 10am", (date(2026, 11, 28), "morning")),
    ("on 3 Dec in the evening", (date(2026, 12, 3), "evening")),
    ("Dec 3rd, 3pm", (date(2026, 12, 3), "afternoon")),
    ("today 4pm", (date(2026, 11, 24), "afternoon")),
    ("1月5日", (date(2027, 1, 5), None)),
    # Hong Kong wording and hours in Chinese numerals.
    ("後日晏晝", (date(2026, 11, 26), "afternoon")),
    ("大後日朝早", (date(2026, 11, 27), "morning")),
    ("聽日下晝三點", (date(2026, 11, 25), "afternoon")),
    ("明天下午两点", (date(2026, 11, 25), "afternoon")),
    ("聽日朝早十一點", (date(2026, 11, 25), "morning")),
])
def test_customer_wording_becomes_a_date_and_window(text, expected):
    appointment = parse_when(text, now=NOW)
    assert appointment is not None
    assert (appointment.date, appointment.window) == expected


@pytest.mark.parametrize("text", ["不知道", "whenever", "13812345678", "尽快", ""])
def test_text_without_a_day_is_not_an_appointment(text):
    assert parse_when(text, now=NOW) is None


@pytest.mark.parametrize(("text", "problem"), [
    ("2026-11-20 上午", "invalid.when_past"),
    ("明天晚上11点", "invalid.when_hours"),
    ("tomorrow 6am", "invalid.when_hours"),
    ("明天晚上十点", "invalid.when_hours"),
    ("2027-06-01", "invalid.when_far"),
])
def test_appointments_that_cannot_be_booked_say_why(text, problem):
    appointment = parse_when(text, now=NOW)
    assert appointment is not None
    assert problem_with(appointment, text, now=NOW) == problem


def test_this_morning_is_too_late_at_noon_but_this_afternoon_is_fine():
    noon = datetime(2026, 11, 24, 12, 0)
    assert problem_with(parse_when("今天上午", now=noon), "今天上午", now=noon) == "invalid.when_past"
    assert problem_with(parse_when("今天下午", now=noon), "今天下午", now=noon) is None


def test_round_trip_through_text():
    appointment = Appointment(date(2026, 11, 25), "afternoon")
    assert Appointment.from_str(str(appointment)) == appointment
    assert Appointment.from_str("2026-11-25") == Appointment(date(2026, 11, 25), None)


@pytest.mark.parametrize("text", ["my monitor is broken", "the sun is hot"])
def test_words_that_merely_start_like_a_weekday_are_not_days(text):
    assert parse_when(text, now=NOW) is None
