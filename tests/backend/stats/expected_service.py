"""The service facts of a generated ticket (tests/backend/stats/service_dataset.py), the plain
way: from its quotes, payments, parts fitted, record and events, ticket by ticket, as
docs/statistics.md defines them ("Service"). `service_history.indicators` sums them."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from tests.backend.stats.dataset import Dataset

JOBS = ("repair", "installation")
CITY_CURRENCY = {"香港": "HKD", "台北": "TWD"}
RESOLVED = ("resolved", "closed")


class ServiceIndex:
    """The dataset's service rows by ticket."""

    def __init__(self, data: Dataset) -> None:
        rows = data.service
        self.parts = {p["id"]: p for p in rows.get("parts", [])}
        self.lines: dict[int, list] = defaultdict(list)
        for line in rows.get("quote_lines", []):
            self.lines[line["quote_id"]].append(line)
        self.of: dict[str, dict[int, list]] = {}
        for name in ("quotes", "payments", "stock_movements", "service_records"):
            self.of[name] = defaultdict(list)
            for row in rows.get(name, []):
                self.of[name][row["ticket_id"]].append(row)


def _visits(events: list[dict[str, Any]]) -> int:
    steps = [e for e in sorted(events, key=lambda e: e["id"])
             if e["kind"] in ("acceptance_requested", "acceptance_rejected")
             or e["to_status"] in ("in_progress", "resolved")]
    visits, previous = 0, None
    for e in steps:
        if e["to_status"] == "in_progress":
            visits += 1
        elif e["kind"] == "acceptance_rejected" and previous == "acceptance_requested":
            visits += 1
        previous = "resolved" if e["to_status"] == "resolved" else e["kind"]
    return visits


def _repeat_after(ticket: dict[str, Any], repairs: dict[tuple, list]) -> bool:
    """A repair of the same customer and product (not cancelled) within 30 days after."""
    if ticket["product"] is None:
        return False
    key = (ticket["created_at"], ticket["id"])
    return any(key < (other["created_at"], other["id"])
               and other["created_at"] - ticket["created_at"] <= timedelta(days=30)
               for other in repairs[(ticket["customer_id"], ticket["product"])])


def service_facts(data: Dataset, index: ServiceIndex, ticket: dict[str, Any],
                  repairs: dict[tuple, list]) -> dict[str, Any]:
    """The keys of service_history.facts, and the fault category; `repairs`: the repairs not
    cancelled by (customer, product)."""
    tid, status = ticket["id"], ticket["status"]
    visits = _visits(data.events_of[tid])
    records = sorted(index.of["service_records"][tid], key=lambda r: r["version"])
    resolved_by = ticket.get("resolved_by") if status in RESOLVED else None
    fixed_first = None
    if ticket["type"] == "repair" and status in RESOLVED:
        fixed_first = int(visits <= 1 and not _repeat_after(ticket, repairs))
    facts: dict[str, Any] = {"fault": records[-1]["fault_category"] if records else None,
                             "resolved_by": resolved_by, "first_time_fix": fixed_first,
                             "currency": None, "quote": None, "warranty": None}
    if ticket["type"] not in JOBS:
        return facts
    quotes = sorted(index.of["quotes"][tid], key=lambda q: q["version"])
    latest = quotes[-1] if quotes else None
    payments = sorted(index.of["payments"][tid], key=lambda p: p["id"])
    currency = (latest["currency"] if latest else payments[0]["currency"] if payments
                else CITY_CURRENCY.get(ticket.get("city"), "CNY"))
    standing = latest if latest and latest["status"] in ("sent", "accepted", "declined") \
        else None
    state = standing["status"] if standing else None
    lines = index.lines[standing["id"]] if standing else []
    free_work = sum(line["unit_price"] * line["quantity"] for line in lines
                    if line["in_warranty"] and (
                        (state == "accepted" and line["kind"] in ("visit", "labour"))
                        or (state == "declined" and line["kind"] == "visit")))
    charged: dict[str, int] = defaultdict(int)
    for line in lines:
        if state == "accepted" and line["kind"] == "part" and line["amount"] > 0:
            charged[line["code"]] += line["quantity"]
    fitted: dict[int, int] = defaultdict(int)
    for movement in index.of["stock_movements"][tid]:
        if movement["kind"] == "use":
            fitted[movement["part_id"]] += movement["quantity"]
    value = not_charged = 0
    for part_id, units in fitted.items():
        part = index.parts[part_id]
        price = part[f"price_{currency.lower()}"] or 0
        value += units * price
        not_charged += max(units - charged[part["number"]], 0) * price
    charge = {"accepted": standing["total"] if standing else 0,
              "declined": standing["declined_charge"] if standing else 0}.get(state or "", 0)
    cost = free_work + not_charged
    facts.update(
        currency=currency, revenue=sum(p["amount"] for p in payments
                                       if p["currency"] == currency),
        charge=charge, warranty_cost=cost, parts_used=sum(fitted.values()), parts_value=value,
        warranty=("mixed" if cost and charge else "free" if cost else "charged" if charge
                  else None),
        quote=("accepted" if state == "accepted" and standing["needs_acceptance"]
               else "declined" if state == "declined" else "pending" if state == "sent"
               else "none"))
    return facts
