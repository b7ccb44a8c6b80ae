"""Where a product's warranty stands on a day (backend/products/warranty.py): the periods
counted as the Civil Code counts them, the month ends, the 三包 days."""

from __future__ import annotations

from datetime import date

import pytest

from backend.products.enums import Coverage
from backend.products.warranty import Terms, add_months, status

AIRCON = Terms(whole_unit_months=12, main_parts_months=36, return_days=7, exchange_days=15,
               safe_use_years=10)
BOUGHT = date(2024, 6, 18)


@pytest.mark.parametrize(("today", "coverage"), [
    (date(2024, 6, 18), Coverage.whole_unit),
    (date(2025, 6, 18), Coverage.whole_unit),       # the anniversary is still covered
    (date(2025, 6, 19), Coverage.main_parts_only),
    (date(2027, 6, 18), Coverage.main_parts_only),
    (date(2027, 6, 19), Coverage.expired),
])
def test_the_cover_on_a_day(today: date, coverage: Coverage) -> None:
    assert status(BOUGHT, AIRCON, today).coverage == coverage


def test_the_dates_each_cover_ends() -> None:
    dates = status(BOUGHT, AIRCON, date(2025, 1, 1))
    assert (dates.whole_unit_until, dates.main_parts_until) == (date(2025, 6, 18),
                                                                 date(2027, 6, 18))
    # 三包: "within 7 / 15 days" counted from the day after the purchase.
    assert (dates.return_until, dates.exchange_until) == (date(2024, 6, 25), date(2024, 7, 3))
    assert dates.safe_use_until == date(2034, 6, 18)


def test_no_purchase_date_or_no_policy_is_unknown_not_expired() -> None:
    assert status(None, AIRCON, date(2030, 1, 1)).coverage == Coverage.unknown
    assert status(BOUGHT, None, date(2024, 7, 1)).coverage == Coverage.unknown


def test_without_separate_main_parts_cover_the_whole_unit_is_all_there_is() -> None:
    plain = Terms(whole_unit_months=12)
    dates = status(BOUGHT, plain, date(2025, 6, 19))
    assert dates.coverage == Coverage.expired and dates.main_parts_until is None
    assert dates.return_until is None and dates.safe_use_until is None


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # no 29th: the month's last day
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
])
def test_months_end_on_the_month_s_last_day_where_it_is_shorter(day, months, expected) -> None:
    assert add_months(day, months) == expected
