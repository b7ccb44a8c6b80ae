"""The service indicators of a group of tickets' facts (backend/stats/service_facts.py): money
per currency (never added across currencies), parts, warranty share, quote acceptance,
first-time fix, how tickets were resolved. Summed in Python (SQLite: `ServiceAggregate.add`) or
in SQL (PostgreSQL: `measures` per grouping and currency, added up by `add_group`);
`indicators` gives the API's figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func

from backend.kernel.money import to_major
from backend.service_records.enums import ResolvedBy
from backend.stats.enums import QuoteOutcome, WarrantyClass
from backend.stats.schemas import (
    MoneyIndicators,
    QuoteIndicators,
    ResolvedByCounts,
    ServiceIndicators,
    WarrantyShare,
)

AMOUNTS = ("revenue", "charge", "warranty_cost", "parts_value")
CLASSES = tuple(str(c) for c in WarrantyClass)
OUTCOMES = (str(QuoteOutcome.accepted), str(QuoteOutcome.declined), str(QuoteOutcome.pending))
RESOLUTIONS = tuple(str(r) for r in ResolvedBy)
# The facts columns these aggregate.
COLUMNS = ("currency", *AMOUNTS, "parts_used", "warranty", "quote", "first_time_fix",
           "resolved_by")


@dataclass
class Money:
    """Totals of one currency, minor units."""

    tickets: int = 0
    revenue: int = 0
    charge: int = 0
    warranty_cost: int = 0
    parts_value: int = 0


@dataclass
class ServiceAggregate:
    jobs: int = 0  # repairs and installations
    money: dict[str, Money] = field(default_factory=dict)
    parts_used: int = 0
    warranty: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    quotes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    resolved_repairs: int = 0
    first_time_fixes: int = 0
    resolved_by: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOLUTIONS, 0))

    def add(self, row: Any) -> None:
        """One ticket's facts."""
        if row.currency is not None:
            self.jobs += 1
            money = self.money.setdefault(row.currency, Money())
            money.tickets += 1
            for name in AMOUNTS:
                setattr(money, name, getattr(money, name) + (getattr(row, name) or 0))
            self.parts_used += row.parts_used or 0
        if row.warranty in self.warranty:
            self.warranty[row.warranty] += 1
        if row.quote in self.quotes:
            self.quotes[row.quote] += 1
        if row.first_time_fix is not None:
            self.resolved_repairs += 1
            self.first_time_fixes += row.first_time_fix
        if row.resolved_by in self.resolved_by:
            self.resolved_by[row.resolved_by] += 1


# ---- PostgreSQL: the same sums in SQL, per grouping and currency -----------------------------

def measures(f) -> list[ColumnElement]:
    """The aggregate columns over the facts `f` (a subquery's columns) of a group of one
    currency (NULL: tickets that are no job), labelled `s_…`: `count(*) FILTER (…)`, sums."""
    def count_if(condition: ColumnElement) -> ColumnElement:
        return func.count().filter(condition)

    columns: list[ColumnElement] = [func.count().label("s_tickets"),
                                    func.sum(f.parts_used).label("s_parts_used"),
                                    func.count(f.first_time_fix).label("s_resolved_repairs"),
                                    func.sum(f.first_time_fix).label("s_first_time_fixes")]
    columns += [func.sum(f[name]).label(f"s_{name}") for name in AMOUNTS]
    columns += [count_if(f.warranty == name).label(f"s_warranty_{name}") for name in CLASSES]
    columns += [count_if(f.quote == name).label(f"s_quote_{name}") for name in OUTCOMES]
    columns += [count_if(f.resolved_by == name).label(f"s_resolved_{name}")
                for name in RESOLUTIONS]
    return columns


def add_group(agg: ServiceAggregate, currency: str | None, m: Mapping[str, Any]) -> None:
    """Add a row of `measures` (the tickets of one currency in a group) to `agg`."""
    if currency is not None:
        agg.jobs += m["s_tickets"]
        money = agg.money.setdefault(currency, Money())
        money.tickets += m["s_tickets"]
        for name in AMOUNTS:
            setattr(money, name, getattr(money, name) + int(m[f"s_{name}"] or 0))
        agg.parts_used += int(m["s_parts_used"] or 0)
    for name in CLASSES:
        agg.warranty[name] += m[f"s_warranty_{name}"]
    for name in OUTCOMES:
        agg.quotes[name] += m[f"s_quote_{name}"]
    agg.resolved_repairs += m["s_resolved_repairs"]
    agg.first_time_fixes += int(m["s_first_time_fixes"] or 0)
    for name in RESOLUTIONS:
        agg.resolved_by[name] += m[f"s_resolved_{name}"]


# ---- the figures ------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def per_ticket(total: int, tickets: int) -> int:
    """total / tickets in minor units, half up (amounts are never negative)."""
    return (2 * total + tickets) // (2 * tickets)


def _money(code: str, money: Money) -> MoneyIndicators:
    def amounts(name: str) -> dict[str, Any]:
        value = getattr(money, name)
        return {name: to_major(value, code),
                f"{name}_per_ticket": to_major(per_ticket(value, money.tickets), code)}

    return MoneyIndicators(currency=code, tickets=money.tickets,
                           **{k: v for name in AMOUNTS for k, v in amounts(name).items()})


def indicators(agg: ServiceAggregate) -> ServiceIndicators:
    classified = sum(agg.warranty.values())
    accepted, declined = (agg.quotes[str(QuoteOutcome.accepted)],
                          agg.quotes[str(QuoteOutcome.declined)])
    return ServiceIndicators(
        jobs=agg.jobs,
        money=[_money(code, agg.money[code]) for code in sorted(agg.money)],
        parts_used=agg.parts_used,
        warranty=WarrantyShare.model_validate(
            {**agg.warranty, "classified": classified,
             **{f"{name}_share": _rate(count, classified)
                for name, count in agg.warranty.items()}}),
        quotes=QuoteIndicators(**agg.quotes, acceptance_rate=_rate(accepted,
                                                                   accepted + declined)),
        first_time_fix_rate=_rate(agg.first_time_fixes, agg.resolved_repairs),
        first_time_fixes=agg.first_time_fixes, resolved_repairs=agg.resolved_repairs,
        resolved_by=ResolvedByCounts(**agg.resolved_by))
