"""The service of a generated history (tests/backend/stats/dataset.py): for its repairs and
installations, quotes with their lines (accepted, declined, sent, free, withdrawn, replaced),
payments, parts fitted from the technicians' stock, service records with a fault category, the
customer's "not fixed" (and words added after it), how each ticket was resolved, and cities in
Hong Kong and Taiwan. Rows as the services write them, inserted by `dataset.load`.

    data = generate(3000, seed=7)
    add_service(data, seed=7)
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from tests.backend.stats.dataset import ID_BASE, Dataset

# (number, kind, CNY, HKD, TWD): the last has no Hong Kong price (valued 0 there).
PARTS = (("GEN-CMP", "main", 98000, 110000, 450000), ("GEN-FAN", "other", 26000, 30000, 120000),
         ("GEN-SEAL", "wearing", 8500, None, 40000))
# The fee standard's visit fee and a labour item, per currency.
VISIT = {"CNY": 3000, "HKD": 25000, "TWD": 60000}
LABOUR = {"CNY": 18000, "HKD": 65000, "TWD": 200000}
CITIES = ((None, 40), ("上海", 35), ("香港", 15), ("台北", 10))
CURRENCY = {"香港": "HKD", "台北": "TWD"}
REGION = {"CNY": "mainland", "HKD": "hong_kong", "TWD": "taiwan"}
FAULTS = ("RF-COMP", "AC-LEAK", "WM-MOTOR", "NFF", "OTHER", "INSTALLED")
JOB_TYPES = ("repair", "installation")


def _weighted(rng: random.Random, choices) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def add_service(data: Dataset, seed: int = 7) -> None:
    rng = random.Random(seed)
    rows = data.service
    for name in ("parts", "quotes", "quote_lines", "payments", "stock_movements",
                 "service_records"):
        rows.setdefault(name, [])
    created0 = min(t["created_at"] for t in data.tickets)
    for i, (number, kind, cny, hkd, twd) in enumerate(PARTS):
        rows["parts"].append({
            "id": ID_BASE + i, "number": number, "name_zh_hans": number, "name_zh_hant": None,
            "name_en": None, "kind": kind, "policy_name": None, "models": [],
            "price_cny": cny, "price_hkd": hkd, "price_twd": twd, "warranty_days": 90,
            "active": True, "updated_by": None, "created_at": created0,
            "updated_at": created0})
    for ticket in data.tickets:
        ticket["city"] = _weighted(rng, CITIES)
        ticket["resolved_by"] = None
        if ticket["status"] in ("resolved", "closed"):
            ticket["resolved_by"] = _resolved_by(rng, ticket)
        if ticket["type"] in JOB_TYPES:
            _job(rng, data, ticket)


def _resolved_by(rng: random.Random, ticket: dict[str, Any]) -> str:
    if ticket["type"] not in JOB_TYPES:
        return "staff"
    return _weighted(rng, (("confirmed", 60), ("timeout", 20), ("override", 15),
                           ("staff", 5)))  # staff: resolved before migration 0023


def _job(rng: random.Random, data: Dataset, ticket: dict[str, Any]) -> None:
    events = data.events_of[ticket["id"]]
    on_site = next((e for e in events if e["to_status"] == "in_progress"), None)
    if on_site is None and rng.random() < 0.7:
        return
    at = (on_site or events[-1])["created_at"]
    region_currency = CURRENCY.get(ticket["city"], "CNY")
    currency = region_currency if rng.random() < 0.9 else rng.choice(list(VISIT))
    quote = _quotes(rng, data, ticket, currency, at) if rng.random() < 0.7 else None
    rows = data.service
    if quote is not None and quote["status"] in ("accepted", "declined") \
            and rng.random() < 0.8:
        amount = quote["total"] if quote["status"] == "accepted" else quote["declined_charge"]
        if amount:
            _pay(data, ticket, quote["currency"], amount, quote["id"], at)
    elif quote is None and rng.random() < 0.05:
        _pay(data, ticket, currency, rng.randint(1, 500) * 100, None, at)
    if on_site is None:
        return
    technician = ticket["assignee_id"] or data.staff[0]["id"]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        part = rng.choice(rows["parts"])
        rows["stock_movements"].append({
            "id": len(rows["stock_movements"]) + 1, "kind": "use", "part_id": part["id"],
            "quantity": rng.randint(1, 2), "from_outlet_id": None,
            "from_technician_id": technician, "to_outlet_id": None, "to_technician_id": None,
            "ticket_id": ticket["id"], "used_on": at.date(), "warranty_until": None,
            "defective_part_id": None, "reference": None, "actor": "staff:gen",
            "created_at": at})
    if ticket["status"] in ("resolved", "closed") or rng.random() < 0.3:
        for version in range(1, rng.choice((1, 1, 1, 2)) + 1):
            rows["service_records"].append({
                "id": len(rows["service_records"]) + 1, "ticket_id": ticket["id"],
                "version": version, "content": {}, "content_hash": "-" * 64,
                "fault_category": rng.choice(FAULTS), "created_at": at,
                "created_by": "staff:gen", "reason": None, "signed_at": None,
                "signed_channel": None, "rejected_at": None})
    if rng.random() < 0.25:
        _acceptance(rng, data, ticket, at)


def _quotes(rng: random.Random, data: Dataset, ticket: dict[str, Any], currency: str,
            at) -> dict[str, Any]:
    """One or two versions; returns the latest."""
    rows = data.service
    versions = 2 if rng.random() < 0.15 else 1
    quote: dict[str, Any] = {}
    for version in range(1, versions + 1):
        lines = [("visit", None, VISIT[currency], 1), ("labour", "GEN-MAJOR", LABOUR[currency], 1)]
        if rng.random() < 0.6:
            part = rng.choice(rows["parts"])
            price = part[f"price_{currency.lower()}"] or 0
            lines.append(("part", part["number"], price, rng.randint(1, 2)))
        free = rng.random() < 0.25
        priced = []
        for position, (kind, code, unit, quantity) in enumerate(lines, start=1):
            in_warranty = free or rng.random() < 0.3
            priced.append({
                "id": len(rows["quote_lines"]) + len(priced) + 1, "position": position,
                "kind": kind, "code": code, "name_zh_hans": kind, "name_zh_hant": kind,
                "name_en": kind, "quantity": quantity, "unit_price": unit,
                "amount": 0 if in_warranty else unit * quantity, "in_warranty": in_warranty,
                "warranty_reason": "product_warranty" if in_warranty else None,
                "warranty_until": None, "earlier_ticket": None})
        total = sum(line["amount"] for line in priced)
        if total == 0:
            status = "accepted"
        elif version < versions:
            status = "superseded"
        else:
            status = _weighted(rng, (("accepted", 50), ("declined", 20), ("sent", 15),
                                     ("withdrawn", 15)))
        quote = {
            "id": len(rows["quotes"]) + 1, "ticket_id": ticket["id"], "version": version,
            "status": status, "needs_acceptance": total > 0, "region": REGION[currency],
            "fee_standard_id": None, "fee_standard_version": 1, "currency": currency,
            "total": total, "declined_charge": priced[0]["amount"], "built_by": "staff:gen",
            "created_at": at, "decided_at": None, "decision_event_id": None,
            "decline_reason": "too_expensive" if status == "declined" else None,
            "ended_at": None, "ended_by": None}
        rows["quotes"].append(quote)
        for line in priced:
            rows["quote_lines"].append({**line, "quote_id": quote["id"]})
    return quote


def _pay(data: Dataset, ticket: dict[str, Any], currency: str, amount: int,
         quote_id: int | None, at) -> None:
    payments = data.service["payments"]
    payments.append({"id": len(payments) + 1, "ticket_id": ticket["id"], "quote_id": quote_id,
                     "amount": amount, "currency": currency, "method": "cash",
                     "receipt_number": f"GEN-{len(payments) + 1}", "recorded_by": "staff:gen",
                     "recorded_at": at + timedelta(minutes=5)})


def _acceptance(rng: random.Random, data: Dataset, ticket: dict[str, Any], at) -> None:
    """The job done and sent back ("not fixed"), maybe with words added after it."""
    kinds = ["acceptance_requested", "acceptance_rejected"]
    if rng.random() < 0.4:
        kinds.append("acceptance_rejected")  # words added: not another visit
    if rng.random() < 0.3:
        kinds = ["acceptance_rejected"]  # after a resolution (a dispute): not a visit
    for n, kind in enumerate(kinds, start=1):
        actor = "staff:gen" if kind == "acceptance_requested" else \
            f"customer:telegram:{ticket['customer_id']}"
        row = {"id": len(data.events) + 1, "ticket_id": ticket["id"], "kind": kind,
               "from_status": None, "to_status": None, "actor": actor, "note": None,
               "created_at": at + timedelta(minutes=n)}
        data.events.append(row)
        data.events_of[ticket["id"]].append(row)
