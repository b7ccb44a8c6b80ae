"""Where a product's warranty stands on a day: a pure function of its purchase date and its
category's policy, so the chat, the ticket page and a new repair ticket all say the same."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from backend.products.enums import Coverage


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, on the month's last day where it is shorter (01-31 + 1 month
    = 02-28): a warranty of a year from 2024-02-29 ends 2025-02-28."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Terms:
    """The parts of a policy the dates come from."""

    whole_unit_months: int
    main_parts_months: int | None = None
    return_days: int = 0
    exchange_days: int = 0
    safe_use_years: int | None = None


@dataclass(frozen=True)
class Status:
    coverage: Coverage
    # The last day of each kind of cover (inclusive); None when unknown or not offered.
    whole_unit_until: date | None = None
    main_parts_until: date | None = None
    return_until: date | None = None
    exchange_until: date | None = None
    safe_use_until: date | None = None


def status(purchase_date: date | None, terms: Terms | None, today: date) -> Status:
    """Periods counted as the Civil Code counts them (民法典 201, 202): from the day after the
    purchase, so a year's cover ends on the anniversary itself (bought 2024-06-18: covered up
    to and including 2025-06-18). Main parts are covered for their own period, never shorter
    than the whole unit's."""
    if purchase_date is None or terms is None:
        return Status(Coverage.unknown)
    whole_until = add_months(purchase_date, terms.whole_unit_months)
    main_until = add_months(purchase_date,
                            max(terms.main_parts_months or 0, terms.whole_unit_months))
    if today <= whole_until:
        coverage = Coverage.whole_unit
    elif today <= main_until:
        coverage = Coverage.main_parts_only
    else:
        coverage = Coverage.expired
    return Status(
        coverage, whole_unit_until=whole_until,
        main_parts_until=main_until if terms.main_parts_months else None,
        return_until=_after(purchase_date, terms.return_days),
        exchange_until=_after(purchase_date, terms.exchange_days),
        safe_use_until=(add_months(purchase_date, 12 * terms.safe_use_years)
                        if terms.safe_use_years else None),
    )


def _after(purchase_date: date, days: int) -> date | None:
    """The last day of `days` counted from the day after the purchase (三包 "within 7 days"
    of a purchase on the 1st: up to and including the 8th)."""
    return date.fromordinal(purchase_date.toordinal() + days) if days else None
