"""Money is integer minor units inside, a Decimal at the edges, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.kernel.money import Currency, shown, to_major, to_minor


@pytest.mark.parametrize(("amount", "minor"), [
    (Decimal("30"), 3000), ("0.1", 10), ("0.29", 29), (250, 25000), ("1500.50", 150050),
    (Decimal("0"), 0)])
def test_amounts_become_exact_minor_units(amount, minor) -> None:
    assert to_minor(amount, Currency.CNY) == minor
    assert to_major(minor, Currency.CNY) == Decimal(amount)


@pytest.mark.parametrize("amount", ["0.001", "1.005", "NaN", "Infinity", "thirty"])
def test_what_is_no_amount_of_the_currency_is_refused(amount) -> None:
    with pytest.raises(ValueError):
        to_minor(amount, Currency.HKD)


def test_amounts_are_shown_as_customers_read_them() -> None:
    assert [shown(m, Currency.TWD) for m in (60000, 200000, 3050, 0)] == [
        "600", "2,000", "30.50", "0"]
    assert str(to_major(3000, "CNY")) == "30.00"
