"""The indicators of a generated dataset, computed the plain way: ticket by ticket from its
EVENTS (not the milestone columns the backend reads), the statistics module for quantiles,
no SQL. What the statistics API must agree with."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.backend.stats import service_history
from tests.backend.stats.dataset import Dataset
from tests.backend.stats.expected_service import ServiceIndex, service_facts

ON_SITE = ("repair", "installation")
SLA = {"first_response": "first_response_due", "on_site": "on_site_due",
       "resolution": "resolution_due"}


def minutes(later: datetime | None, earlier: datetime) -> float | None:
    return (later - earlier).total_seconds() / 60 if later is not None else None


def bucket(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return date(day.year, day.month, 1)
    return day


def quantiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"median": None, "p90": None, "count": 0}
    p90 = values[0] if len(values) == 1 else statistics.quantiles(values, n=10,
                                                                  method="inclusive")[8]
    return {"median": statistics.median(values), "p90": p90, "count": len(values)}


def repairs_by_customer_product(data: Dataset) -> dict[tuple, list[dict[str, Any]]]:
    """The repairs that were not cancelled, by (customer, product)."""
    result: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for ticket in data.tickets:
        if ticket["type"] == "repair" and ticket["status"] != "cancelled":
            result[(ticket["customer_id"], ticket["product"])].append(ticket)
    return result


def facts(data: Dataset, ticket: dict[str, Any], now: datetime,
          repairs: dict[tuple, list[dict[str, Any]]],
          index: ServiceIndex | None = None) -> dict[str, Any]:
    """What one ticket contributes, from its service record."""
    events = data.events_of[ticket["id"]]
    created, kind, status = ticket["created_at"], ticket["type"], ticket["status"]
    staff = [e["created_at"] for e in events
             if e["actor"].startswith("staff:") and e["kind"] != "created"]
    in_progress = [e["created_at"] for e in events if e["to_status"] == "in_progress"]
    resolved = [e["created_at"] for e in events if e["to_status"] == "resolved"]
    met = {"first_response": min(staff, default=None),
           "on_site": min(in_progress, default=None),
           "resolution": max(resolved) if resolved and status in ("resolved", "closed")
           else None}
    repeat = None
    if kind == "repair" and status != "cancelled":
        before = [other for other in repairs[(ticket["customer_id"], ticket["product"])]
                  if (other["created_at"], other["id"]) < (created, ticket["id"])]
        previous = max((other["created_at"] for other in before), default=None)
        repeat = int(ticket["product"] is not None and previous is not None
                     and created - previous <= timedelta(days=30))
    sla = {}
    for milestone, due_name in SLA.items():
        due, done = ticket[due_name], met[milestone]
        if status == "cancelled" or due is None:
            sla[milestone] = None
        elif done is not None and done <= due:
            sla[milestone] = 1
        elif done is not None or due <= now:
            sla[milestone] = 0
        else:
            sla[milestone] = None
    survey = data.survey_of.get(ticket["id"])
    return {
        "type": kind, "status": status,
        "first_response": minutes(met["first_response"], created),
        "on_site": minutes(met["on_site"], created) if kind in ON_SITE else None,
        "resolution": minutes(met["resolution"], created),
        "rating": survey["rating"] if survey else None,
        "survey_state": survey["state"] if survey else None,
        "repeat": repeat, "sla": sla,
        "service": service_facts(data, index or ServiceIndex(data), ticket, repairs),
    }


def indicators(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    ratings = [r["rating"] for r in rows if r["rating"] is not None]
    surveys = [r for r in rows if r["survey_state"] is not None]
    answered = [r for r in surveys if r["survey_state"] == "answered"]
    complaints = [r for r in rows if r["type"] == "complaint"]
    cancelled = [r for r in rows if r["status"] == "cancelled"]
    repairs = [r for r in rows if r["repeat"] is not None]
    repeats = [r for r in repairs if r["repeat"]]
    satisfied = [x for x in ratings if x >= 4]

    def durations(name: str, subset: list[dict[str, Any]]) -> dict[str, Any]:
        return quantiles([r[name] for r in subset if r[name] is not None])

    sla = {}
    for milestone in SLA:
        met = sum(1 for r in rows if r["sla"][milestone] == 1)
        missed = sum(1 for r in rows if r["sla"][milestone] == 0)
        sla[milestone] = {"rate": rate(met, met + missed), "met": met, "missed": missed}
    return {
        "tickets": len(rows),
        "satisfaction_rate": rate(len(satisfied), len(ratings)), "satisfied": len(satisfied),
        "ratings": len(ratings),
        "average_rating": sum(ratings) / len(ratings) if ratings else None,
        "survey_response_rate": rate(len(answered), len(surveys)), "surveys": len(surveys),
        "surveys_answered": len(answered),
        "first_response_minutes": durations("first_response", rows),
        "on_site_minutes": durations("on_site", rows),
        "resolution_minutes": durations("resolution", rows),
        "complaint_rate": rate(len(complaints), len(rows)), "complaints": len(complaints),
        "complaint_resolution_minutes": durations("resolution", complaints),
        "repeat_repair_rate": rate(len(repeats), len(repairs)), "repairs": len(repairs),
        "repeat_repairs": len(repeats),
        "cancellation_rate": rate(len(cancelled), len(rows)), "cancelled": len(cancelled),
        "sla_compliance": sla,
        "service": service_history.indicators(r["service"] for r in rows),
    }


def expected(data: Dataset, *, start: date, end: date, group_by: str, timezone: str,
             now: datetime, type: str | None = None, product: str | None = None,
             outlet: int | None = None, technician: str | None = None) -> dict[str, Any]:
    """{"overall": indicators, "trend": {period start: indicators},
    "breakdowns": {dimension: {key: indicators}}} for the tickets the query selects."""
    zone = ZoneInfo(timezone)
    usernames = {s["id"]: s["username"] for s in data.staff}
    repairs = repairs_by_customer_product(data)
    index = ServiceIndex(data)
    selected = []
    for ticket in data.tickets:
        day = ticket["created_at"].astimezone(zone).date()
        outlet_of = ticket["outlet_id"] or ticket["proposed_outlet_id"]
        if not start <= day <= end:
            continue
        if type is not None and ticket["type"] != type:
            continue
        if product is not None and ticket["product"] != product:
            continue
        if outlet is not None and outlet_of != outlet:
            continue
        if technician is not None and usernames.get(ticket["assignee_id"]) != technician:
            continue
        row = facts(data, ticket, now, repairs, index)
        keys = {"type": ticket["type"], "product": ticket["product"], "outlet": outlet_of,
                "technician": usernames.get(ticket["assignee_id"]),
                "sla_policy": ticket["sla_policy_id"], "fault_category": row["service"]["fault"]}
        selected.append((bucket(day, group_by), keys, row))
    trend: dict[date, list] = defaultdict(list)
    breakdowns: dict[str, dict[Any, list]] = defaultdict(lambda: defaultdict(list))
    for period, keys, row in selected:
        trend[period].append(row)
        for dimension, key in keys.items():
            breakdowns[dimension][key].append(row)
    return {
        "overall": indicators([row for _, _, row in selected]),
        "trend": {period: indicators(rows) for period, rows in trend.items()},
        "breakdowns": {dimension: {key: indicators(rows) for key, rows in groups.items()}
                       for dimension, groups in breakdowns.items()},
    }
