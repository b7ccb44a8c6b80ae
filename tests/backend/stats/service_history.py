"""A service history built through the real services (the API: quotes answered in the chat,
payments, completions with parts from the technicians' stock, the customer's confirmation and
"not fixed", the 72-hour timeout, a staff override, a repeat repair within 30 days, a job in
Hong Kong), each job written down as it went: what was quoted (the API's lines), paid, fitted
(at the catalogue's prices read from the API), its visits and how it was resolved. `expected`
computes the service indicators from that record, in plain Python, for the API to agree with.

    history = await build(Services(...))
    want = expected(history.jobs, prices)          # {"overall": …, "technician": {…}, …}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from backend.kernel.money import to_minor
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS

HK_ADDRESS = "香港九龙旺角弥敦道100号"
BEIJING_CHAOYANG = "北京市朝阳区建国路88号"  # outlet 1 (seeded by migration 0005)
PARTS = ("RF-CMP",)
# Fridges: the whole unit 1 year, the compressor 3 (tests/backend/quotes/conftest.py).
IN_WARRANTY, MAIN_PARTS_ONLY, EXPIRED = 100, 2 * 365, 5 * 365


@dataclass
class Job:
    """What one ticket did, as the test saw it; money in minor units of `currency`."""

    number: str
    chat: str
    created_at: datetime
    technician: str | None = None
    type: str = "repair"
    outlet: int | None = None
    currency: str | None = "CNY"
    fault: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)  # the standing quote's
    quote_status: str | None = None
    needs_acceptance: bool = True
    declined_charge: int = 0
    paid: int = 0
    fitted: dict[str, int] = field(default_factory=dict)  # part number -> units
    visits: int = 0
    resolved_by: str | None = None
    cancelled: bool = False


@dataclass
class Services:
    """The routes of the fixtures (tests/backend/quotes and service_records)."""

    client: httpx.AsyncClient
    clock: Any
    app: Any
    create: Callable[..., Awaitable[httpx.Response]]
    quote: Callable[..., Awaitable[dict]]
    answer: Callable[..., Awaitable[httpx.Response]]
    complete: Callable[..., Awaitable[httpx.Response]]
    respond: Callable[..., Awaitable[httpx.Response]]
    change_status: Callable[..., Awaitable[httpx.Response]]
    stock_technician: Callable[..., Awaitable[None]]
    technicians: list[Any]


@dataclass
class History:
    jobs: list[Job]
    start: datetime
    end: datetime


def minor(amount: str | int, currency: str) -> int:
    return to_minor(str(amount), currency)


async def prices(client: httpx.AsyncClient) -> dict[str, dict[str, int]]:
    """The catalogue's price of each part used here, per currency (minor units)."""
    found = {}
    for number in PARTS:
        part = (await client.get(f"/api/v1/parts/{number}", headers=STAFF_HEADERS)).json()
        found[number] = {"CNY": part["price_cny"], "HKD": part["price_hkd"],
                         "TWD": part["price_twd"]}
    return found


class Builder:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.jobs: list[Job] = []
        self._n = 0

    async def ticket(self, *, chat: str, days_ago: int | None, technician: str | None,
                     region: str = "mainland", **body: Any) -> Job:
        """A fridge repair (its product bought `days_ago`, in `region`), assigned."""
        self._n += 1
        client = self.s.client
        if days_ago is not None:
            bought = (self.s.clock.now - timedelta(days=days_ago)).date().isoformat()
            product = await client.post(
                f"/api/v1/customers/telegram/{chat}/products", headers=SERVICE_HEADERS,
                json={"category": "冰箱", "serial": f"SN-{chat}-{self._n}",
                      "purchase_date": bought, "region": region})
            assert product.status_code in (200, 201), product.text
            body.setdefault("product_id", product.json()["id"])
        response = await self.s.create(key=f"svc-{self._n}", customer_overrides={"chat_id": chat},
                                       **body)
        assert response.status_code == 201, response.text
        ticket = response.json()
        if technician:
            assigned = await client.post(f"/api/v1/tickets/{ticket['number']}/assign",
                                         json={"assignee": technician}, headers=STAFF_HEADERS)
            assert assigned.status_code == 200, assigned.text
        detail = (await client.get(f"/api/v1/tickets/{ticket['number']}",
                                   headers=STAFF_HEADERS)).json()
        job = Job(number=ticket["number"], chat=chat, type=body.get("type", "repair"),
                  created_at=datetime.fromisoformat(ticket["created_at"]),
                  technician=technician,
                  outlet=detail.get("outlet_id") or detail.get("proposed_outlet_id"))
        self.jobs.append(job)
        return job

    async def quoted(self, job: Job, **body: Any) -> dict:
        built = await self.s.quote(job.number, **body)
        job.currency = built["currency"]
        job.lines = built["lines"]
        job.quote_status, job.needs_acceptance = built["status"], built["needs_acceptance"]
        job.declined_charge = minor(built["declined_charge"], job.currency)
        return built

    async def answered(self, job: Job, action: str, **body: Any) -> None:
        response = await self.s.answer(job.number, action, 1, chat=job.chat, **body)
        assert response.status_code == 200, response.text
        job.quote_status = "accepted" if action == "accept" else "declined"

    async def completed(self, job: Job, *, fault: str, work: list[str],
                        parts: dict[str, int]) -> None:
        technician = next(t for t in self.s.technicians if t.username == job.technician)
        for number, units in parts.items():
            await self.s.stock_technician(technician.username, number, units)
        response = await self.s.complete(
            job.number, headers=technician.headers, fault_category=fault, work_items=work,
            parts=[{"part_number": n, "quantity": q} for n, q in parts.items()])
        assert response.status_code == 200, response.text
        if job.visits == 0:
            job.visits = 1  # moved to in_progress
        job.fault = fault
        for number, units in parts.items():
            job.fitted[number] = job.fitted.get(number, 0) + units

    async def paid(self, job: Job, amount: str, receipt: str) -> None:
        response = await self.s.client.post(
            f"/api/v1/tickets/{job.number}/payments", headers=STAFF_HEADERS,
            json={"amount": amount, "method": "cash", "receipt_number": receipt})
        assert response.status_code == 201, response.text
        job.paid += minor(amount, response.json()["currency"])

    async def confirmed(self, job: Job, version: int = 1) -> None:
        response = await self.s.respond(job.number, "confirm", chat=job.chat, version=version)
        assert response.status_code == 200, response.text
        job.resolved_by = "confirmed"

    async def overridden(self, job: Job) -> None:
        """Resolved by staff: with a reason (a repair or installation), or as usual."""
        job_type = job.type in ("repair", "installation")
        response = await self.s.change_status(
            job.number, "resolved", override_reason="客户电话确认已修好" if job_type else None)
        assert response.status_code == 200, response.text
        job.resolved_by = "override" if job_type else "staff"


async def build(services: Services) -> History:
    """Ten tickets over eleven days (see each one's comment)."""
    b = Builder(services)
    tech_a, tech_b = (t.username for t in services.technicians)
    start = services.clock.now

    # A: out of warranty, quote (visit, major repair, compressor) accepted, done, paid,
    # confirmed. Its customer's fridge comes back 10 days later (J): not fixed the first time.
    a = await b.ticket(chat="42", days_ago=EXPIRED, technician=tech_a)
    await b.quoted(a, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    await b.answered(a, "accept")
    await b.completed(a, fault="RF-COMP", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    await b.paid(a, "1190", "A-1")
    await b.confirmed(a)

    # B: in warranty, no quote (all free): the compressor fitted; no answer within 72 h.
    b_ = await b.ticket(chat="43", days_ago=IN_WARRANTY, technician=tech_a)
    await b.completed(b_, fault="RF-COMP", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    await services.app.state.sla_worker.run_once(now=services.clock.now + timedelta(hours=73))
    b_.resolved_by = "timeout"

    # C: in warranty, a free quote (needs no answer); done; resolved by staff with a reason.
    c = await b.ticket(chat="44", days_ago=IN_WARRANTY, technician=tech_b,
                       address=BEIJING_CHAOYANG)
    await b.quoted(c, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    await b.completed(c, fault="RF-COMP", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    await b.overridden(c)

    # D: out of warranty, the quote declined: the visit fee, paid; nothing found; confirmed.
    d = await b.ticket(chat="45", days_ago=EXPIRED, technician=tech_b,
                       address=BEIJING_CHAOYANG)
    await b.quoted(d, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    await b.answered(d, "decline", reason="too_expensive")
    await b.completed(d, fault="NFF", work=[], parts={})
    await b.paid(d, "30", "D-1")
    await b.confirmed(d)

    # E: main parts only: the compressor free, the visit and labour charged (mixed); "not
    # fixed", done again with another compressor (a second visit), confirmed; paid.
    e = await b.ticket(chat="46", days_ago=MAIN_PARTS_ONLY, technician=tech_b)
    await b.quoted(e, items=[{"code": "RF-MAJOR"}], parts=[{"part_number": "RF-CMP"}])
    await b.answered(e, "accept")
    await b.completed(e, fault="RF-COMP", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    for note in ("还是不制冷", "冷冻室也不冷"):  # the second: words added, not another visit
        response = await services.respond(e.number, "not-fixed", chat=e.chat, version=1,
                                          note=note)
        assert response.status_code == 200, response.text
    e.visits += 1
    await b.completed(e, fault="RF-SENSOR", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    await b.confirmed(e, version=2)
    await b.paid(e, "210", "E-1")

    # F: a quote sent, not answered yet.
    f = await b.ticket(chat="47", days_ago=EXPIRED, technician=tech_a)
    await b.quoted(f, items=[{"code": "RF-GAS"}])

    # G, H: Hong Kong (the city's and the product's region): a quote in HKD accepted, done,
    # paid, confirmed; its record corrected, disputed (the ticket reopened: not a visit of
    # its own), done again (a second visit) and confirmed; and free work without a quote,
    # valued in HKD.
    g = await b.ticket(chat="48", days_ago=EXPIRED, technician=tech_a, region="hong_kong",
                       address=HK_ADDRESS)
    await b.quoted(g, items=[{"code": "RF-GAS"}])
    await b.answered(g, "accept")
    await b.completed(g, fault="RF-LEAK", work=["RF-GAS"], parts={})
    await b.paid(g, "850", "G-1")
    await b.confirmed(g)
    corrected = await services.client.post(
        f"/api/v1/tickets/{g.number}/record/versions", headers=STAFF_HEADERS,
        json={"reason": "补充说明", "diagnosis": "冷媒泄漏，已补焊"})
    assert corrected.status_code in (200, 201), corrected.text
    response = await services.respond(g.number, "not-fixed", chat=g.chat, version=2,
                                      note="又漏了")
    assert response.status_code == 200, response.text
    g.visits += 1
    await b.completed(g, fault="RF-LEAK", work=["RF-GAS"], parts={})
    await b.confirmed(g, version=3)
    h = await b.ticket(chat="49", days_ago=IN_WARRANTY, technician=tech_b, region="hong_kong",
                       address=HK_ADDRESS)
    h.currency = "HKD"
    await b.completed(h, fault="RF-COMP", work=["RF-MAJOR"], parts={"RF-CMP": 1})
    await b.confirmed(h)

    # I: a complaint, resolved by staff (no job: no money).
    i = await b.ticket(chat="50", days_ago=None, technician=None, type="complaint",
                       product=None)
    i.currency = None
    await b.overridden(i)

    # J: ten days after A, the same customer's fridge again: a repeat repair; on site, then
    # resolved by staff.
    services.clock.advance(days=10)
    j = await b.ticket(chat="42", days_ago=None, technician=tech_a)
    assert (await services.change_status(j.number, "in_progress")).status_code == 200
    j.visits = 1
    await b.overridden(j)
    return History(jobs=b.jobs, start=start, end=services.clock.now)


# ---- the indicators, the plain way ------------------------------------------------------------

def facts(job: Job, jobs: list[Job], prices: dict[str, dict[str, int]]) -> dict[str, Any]:
    """What one job contributes (docs/statistics.md, "Service")."""
    if job.currency is None:
        return {"currency": None, "resolved_by": job.resolved_by, "quote": None,
                "warranty": None, "first_time_fix": None}
    currency = job.currency
    agreed = job.lines if job.quote_status in ("accepted", "declined") else []
    if job.quote_status == "declined":
        agreed = [line for line in agreed if line["kind"] == "visit"]
    free_work = sum(minor(line["unit_price"], currency) * line["quantity"] for line in agreed
                    if line["in_warranty"] and line["kind"] in ("visit", "labour"))
    charged_parts = {line["code"]: line["quantity"] for line in agreed
                     if line["kind"] == "part" and minor(line["amount"], currency) > 0
                     and job.quote_status == "accepted"}
    parts_value = sum(units * prices[n][currency] for n, units in job.fitted.items())
    not_charged = sum(max(units - charged_parts.get(n, 0), 0) * prices[n][currency]
                      for n, units in job.fitted.items())
    charge = {"accepted": sum(minor(line["amount"], currency) for line in job.lines),
              "declined": job.declined_charge}.get(job.quote_status or "", 0)
    cost = free_work + not_charged
    warranty = ("mixed" if cost and charge else "free" if cost else "charged" if charge
                else None)
    quote = ("accepted" if job.quote_status == "accepted" and job.needs_acceptance
             else "declined" if job.quote_status == "declined"
             else "pending" if job.quote_status == "sent" else "none")
    repeat_after = any(other.type == "repair" and other.chat == job.chat
                       and not other.cancelled and job.created_at < other.created_at
                       <= job.created_at + timedelta(days=30) for other in jobs)
    fixed_first = None
    if job.type == "repair" and job.resolved_by is not None and not job.cancelled:
        fixed_first = int(job.visits <= 1 and not repeat_after)
    return {"currency": currency, "revenue": job.paid, "charge": charge,
            "warranty_cost": cost, "parts_used": sum(job.fitted.values()),
            "parts_value": parts_value, "warranty": warranty, "quote": quote,
            "first_time_fix": fixed_first, "resolved_by": job.resolved_by}


def _per_ticket(total: int, tickets: int) -> str:
    value = (2 * total + tickets) // (2 * tickets)
    return f"{value // 100}.{value % 100:02d}"


def indicators(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    jobs = [r for r in rows if r["currency"] is not None]
    money = []
    for currency in sorted({r["currency"] for r in jobs}):
        mine = [r for r in jobs if r["currency"] == currency]
        entry: dict[str, Any] = {"currency": currency, "tickets": len(mine)}
        for name in ("revenue", "charge", "warranty_cost", "parts_value"):
            total = sum(r[name] for r in mine)
            entry[name] = f"{total // 100}.{total % 100:02d}"
            entry[f"{name}_per_ticket"] = _per_ticket(total, len(mine))
        money.append(entry)
    classes = {name: sum(r["warranty"] == name for r in rows)
               for name in ("free", "charged", "mixed")}
    classified = sum(classes.values())
    quotes = {name: sum(r["quote"] == name for r in rows)
              for name in ("accepted", "declined", "pending")}
    decided = quotes["accepted"] + quotes["declined"]
    fixes = [r["first_time_fix"] for r in rows if r["first_time_fix"] is not None]
    return {
        "jobs": len(jobs), "money": money,
        "parts_used": sum(r["parts_used"] for r in jobs),
        "warranty": {**classes, "classified": classified,
                     **{f"{k}_share": round(v / classified, 4) if classified else None
                        for k, v in classes.items()}},
        "quotes": {**quotes,
                   "acceptance_rate": round(quotes["accepted"] / decided, 4) if decided
                   else None},
        "first_time_fix_rate": round(sum(fixes) / len(fixes), 4) if fixes else None,
        "first_time_fixes": sum(fixes), "resolved_repairs": len(fixes),
        "resolved_by": {how: sum(r["resolved_by"] == how for r in rows)
                        for how in ("confirmed", "timeout", "override", "staff")},
    }


def expected(jobs: list[Job], prices: dict[str, dict[str, int]]) -> dict[str, Any]:
    """{"overall": service indicators, dimension: {key: service indicators}}."""
    rows = [(job, facts(job, jobs, prices)) for job in jobs]
    groups: dict[str, dict[Any, list]] = defaultdict(lambda: defaultdict(list))
    for job, row in rows:
        for dimension, key in (("technician", job.technician), ("outlet", job.outlet),
                               ("fault_category", job.fault), ("type", job.type)):
            groups[dimension][key].append(row)
    return {"overall": indicators(row for _, row in rows),
            **{dimension: {key: indicators(found) for key, found in keyed.items()}
               for dimension, keyed in groups.items()}}
