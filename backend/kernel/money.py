"""Money: integer minor units in the database, `Decimal` at the edges, never a float.

An amount is stored as an integer count of its currency's minor unit (分, cents); the API
gives and takes it as a decimal in major units ("30.00"), the knowledge base's answers say it
in the customer's words ("30 元", "HK$250", "NT$600"). The currencies are the three the front
desk's regions pay in; each has two minor digits (ISO 4217, TWD included, though Taiwan's
prices are in whole dollars in practice).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class Currency(StrEnum):
    CNY = "CNY"  # 人民币, the Mainland's
    HKD = "HKD"
    TWD = "TWD"  # 新台币


MINOR_DIGITS = {Currency.CNY: 2, Currency.HKD: 2, Currency.TWD: 2}


def to_minor(amount: Decimal | int | str, currency: Currency | str) -> int:
    """The amount in minor units. ValueError for one with more decimals than the currency has
    (0.001 元) or that is not a number."""
    digits = MINOR_DIGITS[Currency(currency)]
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"at most {digits} decimal places")
    return int(scaled)


def to_major(minor: int, currency: Currency | str) -> Decimal:
    """Minor units as a decimal in major units with the currency's digits (3000 → 30.00)."""
    digits = MINOR_DIGITS[Currency(currency)]
    return (Decimal(minor).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits),
                                                     rounding=ROUND_HALF_UP)


def shown(minor: int, currency: Currency | str) -> str:
    """The amount as a customer reads it: whole amounts without decimals, thousands grouped
    (150000 → "1,500"; 3050 → "30.50")."""
    major = to_major(minor, currency)
    if major == major.to_integral_value():
        return f"{int(major):,}"
    return f"{major:,.{MINOR_DIGITS[Currency(currency)]}f}"
