"""A generated, deterministic service history for the statistics: customers, technicians,
outlets, SLA policies, tickets with their events (the service record), milestone columns as
the SLA service keeps them, and surveys.

    data = generate(3000, seed=7)
    await load(session, data)          # Core executemany, any database
    data.tickets[0]["created_at"], data.events_of[ticket_id], data.surveys ...

Each ticket lives a plausible life (created, staff notes and assignment, on site, resolved,
reopened, closed, cancelled, left open) in minutes drawn at random; the milestone columns
(first_responded_at, on_site_at, resolved_at) are derived from its events the way
backend/sla/service.py sets them. The tests compute the expected indicators from the EVENTS,
independently of the columns the backend reads.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Base

START = datetime(2025, 9, 1, tzinfo=UTC)
DAYS = 75
PRODUCTS = ("冰箱", "洗衣机", "空调", "热水器", "油烟机", "电视")
TYPES = (("repair", 45), ("installation", 20), ("complaint", 10), ("return_exchange", 10),
         ("inquiry", 15))
RATINGS = ((1, 5), (2, 6), (3, 14), (4, 35), (5, 40))
ID_BASE = 1000  # outlets and policies: above the ids the migrations seed
TECHNICIANS = ("wang.wei", "zhang.min", "li.na", "chen.jie")
# (type, first response, on site, resolution) in minutes; ids ID_BASE + index.
POLICIES = (("repair", 60, 24 * 60, 72 * 60), ("installation", 120, 48 * 60, 96 * 60),
            ("complaint", 30, None, 48 * 60), ("inquiry", 240, None, 24 * 60))
OUTLETS = ("北京朝阳服务中心", "上海浦东服务中心", "广州天河服务中心")


@dataclass
class Dataset:
    customers: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    outlets: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    events_of: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    survey_of: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The service's tables, in the order they are inserted (tests/backend/stats/
    # service_dataset.py): parts, quotes, quote_lines, payments, stock_movements, …
    service: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _weighted(rng: random.Random, choices: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _minutes(rng: random.Random, mean: float) -> timedelta:
    return timedelta(seconds=rng.expovariate(1 / (mean * 60)) + rng.random())


def generate(n_tickets: int, *, seed: int = 7, start: datetime = START, days: int = DAYS,
             customers_per_ticket: float = 0.2) -> Dataset:
    rng = random.Random(seed)
    data = Dataset()
    created0 = start - timedelta(days=30)
    n_customers = max(5, int(n_tickets * customers_per_ticket))
    for i in range(n_customers):
        data.customers.append({
            "id": i + 1, "display_name": None, "language": "zh-Hans", "tier": "standard",
            "survey_opt_out": i % 97 == 0, "created_at": created0, "updated_at": created0})
    for i, username in enumerate(TECHNICIANS):
        data.staff.append({"id": ID_BASE + i, "username": username, "display_name": username,
                           "password_hash": "-", "role": "technician", "active": True,
                           "created_at": created0})
    for i, name in enumerate(OUTLETS):
        data.outlets.append({"id": ID_BASE + i, "name": name, "city": name[:2], "districts": [],
                             "phone": None, "address": None, "active": True,
                             "created_at": created0, "updated_at": created0})
    for i, (kind, first, on_site, resolution) in enumerate(POLICIES):
        data.policies.append({"id": ID_BASE + i, "ticket_type": kind, "priority": None,
                              "customer_tier": None, "first_response_minutes": first,
                              "on_site_minutes": on_site, "resolution_minutes": resolution,
                              "business_hours_only": False, "updated_at": created0})
    policy_of = {p["ticket_type"]: p for p in data.policies}
    opted_out = {c["id"] for c in data.customers if c["survey_opt_out"]}
    # Some tickets before the window, so that repeats at its start look back past it.
    span = timedelta(days=days + 10).total_seconds()
    for i in range(n_tickets):
        ticket_id = i + 1
        created = start - timedelta(days=10) + timedelta(seconds=rng.uniform(0, span))
        if i % 250 == 0:  # exactly a local midnight (UTC+8)
            created = created.replace(hour=16, minute=0, second=0, microsecond=0)
        kind = _weighted(rng, TYPES)
        customer_id = rng.randint(1, n_customers)
        ticket = _ticket(rng, data, ticket_id, kind, customer_id, created, policy_of)
        data.tickets.append(ticket)
        survey_at = _life(rng, data, ticket)
        if survey_at is not None and customer_id not in opted_out:
            _survey(rng, data, ticket, survey_at)
    return data


def _ticket(rng: random.Random, data: Dataset, ticket_id: int, kind: str, customer_id: int,
            created: datetime, policy_of: dict) -> dict[str, Any]:
    policy = policy_of.get(kind) if rng.random() < 0.9 else None
    outlet = rng.choice([None, *(o["id"] for o in data.outlets)])
    proposed = rng.choice([None, *(o["id"] for o in data.outlets)])

    def due(minutes: int | None) -> datetime | None:
        return created + timedelta(minutes=minutes) if minutes is not None else None

    return {
        "id": ticket_id, "number": f"T-{ticket_id:08d}", "type": kind, "status": "new",
        "priority": "high" if kind == "complaint" else "normal",
        "product": rng.choice(PRODUCTS) if rng.random() < 0.95 else None,
        "description": "generated", "details": {}, "attachments": [],
        "customer_id": customer_id,
        "assignee_id": rng.choice([None, *(s["id"] for s in data.staff)]),
        "outlet_id": outlet, "proposed_outlet_id": proposed,
        "channel": "telegram", "chat_id": str(customer_id), "language": "zh-Hans",
        "idempotency_key": f"gen-{ticket_id}", "request_fingerprint": "-",
        "created_at": created, "updated_at": created,
        "sla_policy_id": policy["id"] if policy else None,
        "first_response_due": due(policy["first_response_minutes"]) if policy else None,
        "on_site_due": due(policy["on_site_minutes"]) if policy else None,
        "resolution_due": due(policy["resolution_minutes"]) if policy else None,
        "first_responded_at": None, "on_site_at": None, "resolved_at": None,
    }


def _life(rng: random.Random, data: Dataset, ticket: dict[str, Any]) -> datetime | None:
    """Events of the ticket, its final status and milestone columns; returns when it was first
    resolved (its survey's creation), if ever."""
    ticket_id, t = ticket["id"], ticket["created_at"]
    customer = f"customer:telegram:{ticket['customer_id']}"
    staff = f"staff:{rng.choice(TECHNICIANS + ('api',))}"
    status = "new"
    first_resolved = None

    def event(kind: str, actor: str, to: str | None = None, gap: float = 0) -> None:
        nonlocal t, status
        t = t + (_minutes(rng, gap) if gap else timedelta(0))
        row = {"id": len(data.events) + 1, "ticket_id": ticket_id, "kind": kind,
               "from_status": status if to else None, "to_status": to, "actor": actor,
               "note": None, "created_at": t}
        data.events.append(row)
        data.events_of[ticket_id].append(row)
        if to:
            status = to

    event("created", customer, None)
    data.events[-1]["to_status"] = "new"
    if rng.random() < 0.15:  # the customer chases it up before anyone answered
        event("expedited", customer, gap=30)
    if rng.random() < 0.05:  # a breach recorded by the system: not a staff response
        event("sla_breached", "system:sla", gap=60)
    fate = rng.random()
    if fate < 0.05:
        pass  # nobody has looked at it yet
    elif fate < 0.12:
        if rng.random() < 0.5:
            event("note", staff, gap=40)
        event("status_changed", customer, "cancelled", gap=120)
    else:
        if rng.random() < 0.6:
            event("note", staff, gap=45)
        event("status_changed", staff, "assigned", gap=60)
        if ticket["type"] in ("repair", "installation") or rng.random() < 0.2:
            event("status_changed", staff, "in_progress", gap=600)
        if fate < 0.2:
            pass  # still being worked on
        else:
            event("status_changed", staff, "resolved", gap=1500)
            first_resolved = t
            if rng.random() < 0.12:
                event("status_changed", customer, "reopened", gap=300)
                after = rng.random()
                if after < 0.6:
                    event("status_changed", staff, "in_progress", gap=200)
                    event("status_changed", staff, "resolved", gap=400)
                elif after < 0.75:
                    event("status_changed", customer, "cancelled", gap=100)
            if status == "resolved" and rng.random() < 0.4:
                event("status_changed", staff, "closed", gap=2000)
    ticket["status"] = status
    ticket["updated_at"] = t
    _derive_milestones(ticket, data.events_of[ticket_id])
    return first_resolved


def _derive_milestones(ticket: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """The columns, as backend/sla/service.py keeps them."""
    staff = [e["created_at"] for e in events
             if e["actor"].startswith("staff:") and e["kind"] != "created"]
    on_site = [e["created_at"] for e in events if e["to_status"] == "in_progress"]
    resolved = [e["created_at"] for e in events if e["to_status"] == "resolved"]
    ticket["first_responded_at"] = min(staff) if staff else None
    ticket["on_site_at"] = min(on_site) if on_site else None
    ticket["resolved_at"] = (max(resolved) if resolved and ticket["status"] in
                             ("resolved", "closed") else None)


def _survey(rng: random.Random, data: Dataset, ticket: dict[str, Any],
            created: datetime) -> None:
    fate = rng.random()
    survey = {"id": len(data.surveys) + 1, "ticket_id": ticket["id"], "state": "expired",
              "created_at": created, "answered_at": None, "reminded_at": None, "solved": None,
              "rating": None, "comment": None, "explained_usage": None, "follow_up": False}
    if fate < 0.6:
        survey.update(state="answered", solved=rng.random() < 0.9,
                      rating=_weighted(rng, RATINGS),
                      answered_at=created + _minutes(rng, 300),
                      comment=rng.choice([None, "", "师傅很专业"]))
        if ticket["type"] == "installation":
            survey["explained_usage"] = rng.random() < 0.8
    elif fate < 0.75:
        survey.update(state="open", reminded_at=created + timedelta(hours=24))
        if ticket["type"] == "installation" and rng.random() < 0.5:
            survey.update(solved=True, rating=_weighted(rng, RATINGS))  # usage not yet
        elif rng.random() < 0.5:
            survey["solved"] = True
    elif rng.random() < 0.3:
        survey["solved"] = True  # expired half answered
    survey["follow_up"] = survey["rating"] in (1, 2)
    data.surveys.append(survey)
    data.survey_of[ticket["id"]] = survey


def move(data: Dataset, ticket: dict[str, Any], created: datetime) -> None:
    """Move a ticket's whole life (times, events, survey) to start at `created`."""
    shift = created - ticket["created_at"]
    records = [ticket, *data.events_of[ticket["id"]]]
    if ticket["id"] in data.survey_of:
        records.append(data.survey_of[ticket["id"]])
    for record in records:
        for name, value in record.items():
            if isinstance(value, datetime):
                record[name] = value + shift


async def load(session: AsyncSession, data: Dataset, batch: int = 5000) -> None:
    """Insert everything (executemany through SQLAlchemy Core) and commit. Quotes get the
    seeded fee standard of their region."""
    tables = Base.metadata.tables
    if data.service.get("quotes"):
        standards = tables["fee_standards"]
        ids = dict((await session.execute(select(standards.c.region, standards.c.id))).all())
        for quote in data.service["quotes"]:
            quote["fee_standard_id"] = ids[quote["region"]]
    for name, rows in (("customers", data.customers), ("staff", data.staff),
                       ("outlets", data.outlets), ("sla_policies", data.policies),
                       ("tickets", data.tickets), ("ticket_events", data.events),
                       ("surveys", data.surveys), *data.service.items()):
        for i in range(0, len(rows), batch):
            await session.execute(insert(tables[name]), rows[i:i + batch])
    await session.commit()
