"""The suite holds on any date: the tests that depend on the date pass with the clock a year
ahead. They run again in a second pytest whose test day is a year from now; every process it
starts (the backend, the bot) runs on that clock (tests/support/clock.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.support import clock

# Appointments booked, moved and refused in the chat and by staff (backend and bot processes),
# visit times read from the customer's words, live hours, erasure beside the statistics,
# parts warranties, the fee standard's versions, the service record's warranty dates (and with
# them the quotes' lines free under warranty).
DATE_DEPENDENT = [
    "tests/bot/test_appointments.py",
    "tests/bot/test_when.py",
    "tests/backend/sla/test_appointments.py",
    "tests/backend/handoff/test_handoff.py",
    "tests/privacy/test_erasure.py",
    "tests/backend/parts/test_usage.py",  # parts warranties counted from the day fitted
    "tests/backend/fees/test_standard.py",  # the fee standard in force on a day
    "tests/backend/service_records/test_completion.py",  # the record's warranties until
]


@pytest.mark.timeout(600)  # one pytest of several files in a row: ~130 s, more on a busy machine
def test_the_date_dependent_tests_pass_a_year_ahead() -> None:
    year_ahead = clock.TODAY + timedelta(days=365)
    env = {key: value for key, value in os.environ.items()
           if key not in ("FRONTDESK_CLOCK_OFFSET", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST")}
    env.update(FRONTDESK_TEST_TODAY=year_ahead.isoformat())
    run = subprocess.run(
        # Not again through Telegram: the dates are the engine's and the backend's (the same
        # conversations straight into the engine, on the recorded parses: no Rasa), and a
        # Telegram stack costs a minute.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "-k", "not telegram", *DATE_DEPENDENT],
        env=env, capture_output=True, text=True, timeout=600)
    summary = run.stdout[-3000:] + run.stderr[-2000:]
    assert run.returncode == 0, summary
    assert " passed" in run.stdout, summary


def test_the_test_clock_is_a_tuesday_morning_on_or_after_the_test_day() -> None:
    from backend.kernel.clock import utcnow

    assert clock.TEST_NOW.weekday() == 1 and clock.TEST_NOW.hour == 9
    assert abs((utcnow() - clock.TEST_NOW).total_seconds()) < 3 * 3600
