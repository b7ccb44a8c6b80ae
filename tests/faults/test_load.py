"""The load test (bench/load.py) in a reduced size: customers at once through the fake Bot
API, the real bot, backend (PostgreSQL) and Rasa: every answer once, every ticket once. The full
1,000-customer run is a documented command (docs/performance.md)."""

from __future__ import annotations

import pytest

from bench import load

pytestmark = [pytest.mark.postgres, pytest.mark.rasa]


def test_customers_at_once_lose_and_double_nothing(rasa_url):
    args = load.parser().parse_args(["--customers", "40", "--rasa-url", rasa_url,
                                     "--ramp", "5", "--think-min", "0.2", "--think-max", "1",
                                     "--settle", "3"])
    figures = load.run(args)
    assert figures["turns"] == 40 * len(load.SCRIPT), figures
    for key in ("failed_turns", "lost_tickets", "doubled_tickets", "missing_answers",
                "repeated_answers"):
        assert figures[key] == 0, figures
