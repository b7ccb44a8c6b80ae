"""The service facts of each ticket: what a repair or installation earned and cost and how it
went, from the plain columns of quotes, payments, the parts ledger, the service record and the
ticket's events (the record's content is encrypted: nothing here reads it).

`service_select(tickets, city_currencies)` is a subquery, one row per ticket matching
`tickets` (a condition on them), which `facts.facts_select` joins into the facts
(docs/statistics.md, "Service"):

- `fault_category`: the current version's of the ticket's service record;
- `visits`: times the ticket went on site: its entries into `in_progress`, and each "not
  fixed" that sent a finished job back to the technician without a status change (an
  `acceptance_rejected` whose previous acceptance step is the `acceptance_requested` of the
  job: words added after it, or a dispute after the ticket was resolved, which reopens it,
  are not one);
- for repairs and installations (other tickets: NULL), in one currency: `currency` (the
  latest quote's, else the first payment's, else that of the region of the ticket's city, as
  the quotes price it: backend.knowledge.warranty_facts.region_of_city; the Mainland's CNY by
  default), and in its minor units
  - `revenue`: the payments recorded in that currency;
  - `charge`: the standing quote's agreed charge (accepted: its total; declined: its declined
    charge; else 0), as the service record's charge;
  - `parts_used`, `parts_value`: the units fitted (the ledger's `use` movements) and their
    value at the catalogue's price in the currency (none there: 0);
  - `warranty_cost`: what the customer was not charged for, at its price: the agreed quote's
    in-warranty visit and labour lines (unit price × quantity; a declined quote: its visit
    line), and the parts fitted beyond those the accepted quote charges for (the quotes' gate
    lets no charged part be done without it), at the catalogue's price;
  - `warranty`: free (a warranty cost, no charge), charged (a charge, no warranty cost), mixed
    (both), NULL (neither);
  - `quote`: none | accepted | declined | pending (the standing quote, if it needed the
    customer's answer).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.fees.enums import CURRENCIES
from backend.kernel.money import Currency
from backend.knowledge.warranty_facts import region_of_city
from backend.models import Base
from backend.parts.enums import MovementKind
from backend.products.enums import Region
from backend.quotes.enums import LineKind, QuoteStatus
from backend.sla.enums import SlaEventKind
from backend.stats.enums import QuoteOutcome, WarrantyClass
from backend.tickets.enums import ON_SITE_TYPES, TicketStatus

TICKETS = Base.metadata.tables["tickets"]
EVENTS = Base.metadata.tables["ticket_events"]
QUOTES = Base.metadata.tables["quotes"]
LINES = Base.metadata.tables["quote_lines"]
PAYMENTS = Base.metadata.tables["payments"]
MOVEMENTS = Base.metadata.tables["stock_movements"]
PARTS = Base.metadata.tables["parts"]
RECORDS = Base.metadata.tables["service_records"]

CODES = tuple(str(c) for c in Currency)
PRICES = {"CNY": PARTS.c.price_cny, "HKD": PARTS.c.price_hkd, "TWD": PARTS.c.price_twd}
DEFAULT_CURRENCY = str(CURRENCIES[Region.mainland])
ON_SITE = [str(t) for t in ON_SITE_TYPES]
ACCEPTED, DECLINED, SENT = (str(s) for s in (QuoteStatus.accepted, QuoteStatus.declined,
                                              QuoteStatus.sent))
REQUESTED, REJECTED = str(SlaEventKind.acceptance_requested), str(SlaEventKind.acceptance_rejected)
IN_PROGRESS, RESOLVED = str(TicketStatus.in_progress), str(TicketStatus.resolved)
assert set(PRICES) == set(CODES)


async def city_currencies(db_session: AsyncSession, tickets: ColumnElement) -> dict[str, str]:
    """The currency of each city of the tickets matching `tickets` that is not the Mainland's
    (the others pay in CNY)."""
    cities = (await db_session.execute(
        select(TICKETS.c.city).where(tickets, TICKETS.c.city.is_not(None)).distinct()
    )).scalars()
    found = {city: str(CURRENCIES[Region(region_of_city(city) or Region.mainland)])
             for city in cities}
    return {city: currency for city, currency in found.items() if currency != DEFAULT_CURRENCY}


def _of_currency(currency: ColumnElement, values: Mapping[str, ColumnElement]) -> ColumnElement:
    """The value of the row's currency."""
    return case(*((currency == code, value) for code, value in values.items()), else_=null())


def _city_currency(city_currencies: Mapping[str, str]) -> ColumnElement:
    by_currency: dict[str, list[str]] = {}
    for city, currency in sorted(city_currencies.items()):
        by_currency.setdefault(currency, []).append(city)
    if not by_currency:
        return literal(DEFAULT_CURRENCY)
    return case(*((TICKETS.c.city.in_(cities), currency)
                  for currency, cities in sorted(by_currency.items())),
                else_=DEFAULT_CURRENCY)


def _latest(table, ids: Select, *columns: str):
    """Each ticket's row of `table` with its highest version: these columns. (No later
    version exists: an anti-join, which PostgreSQL estimates well; a join on the maximum
    version would be estimated at a row or two, and planned as nested loops.)"""
    later = table.alias(f"later_{table.name}")
    return (select(table.c.ticket_id, *(table.c[name] for name in columns))
            .where(table.c.ticket_id.in_(ids),
                   ~exists().where(later.c.ticket_id == table.c.ticket_id,
                                   later.c.version > table.c.version)))


def _quote_parts(quote, ids: Select):
    """Per ticket: the agreed quote's free visit and labour (`free_work`), and the parts
    fitted: units, their value and that of the units not charged for, per currency."""
    line, q = LINES.c, quote.c
    free_work = (
        select(q.ticket_id, func.sum(line.unit_price * line.quantity).label("free_work"))
        .join(LINES, line.quote_id == q.id)
        .where(line.in_warranty,
               or_(and_(q.status == ACCEPTED, line.kind.in_([str(LineKind.visit),
                                                          str(LineKind.labour)])),
                   and_(q.status == DECLINED, line.kind == str(LineKind.visit))))
        .group_by(q.ticket_id).subquery("free_work"))
    charged = (select(q.ticket_id, line.code, func.sum(line.quantity).label("quantity"))
               .join(LINES, line.quote_id == q.id)
               .where(q.status == ACCEPTED, line.kind == str(LineKind.part), line.amount > 0)
               .group_by(q.ticket_id, line.code).subquery("charged"))
    m = MOVEMENTS.c
    fitted = (select(m.ticket_id, m.part_id, func.sum(m.quantity).label("units"))
              .where(m.kind == str(MovementKind.use), m.ticket_id.in_(ids))
              .group_by(m.ticket_id, m.part_id).subquery("fitted"))
    paid_for = func.coalesce(charged.c.quantity, 0)
    uncharged = case((fitted.c.units > paid_for, fitted.c.units - paid_for), else_=0)
    parts = (
        select(fitted.c.ticket_id, func.sum(fitted.c.units).label("units"),
               *(func.sum(fitted.c.units * func.coalesce(PRICES[c], 0)).label(f"value_{c}")
                 for c in CODES),
               *(func.sum(uncharged * func.coalesce(PRICES[c], 0)).label(f"free_{c}")
                 for c in CODES))
        .select_from(fitted.join(PARTS, PARTS.c.id == fitted.c.part_id)
                     .outerjoin(charged, and_(charged.c.ticket_id == fitted.c.ticket_id,
                                              charged.c.code == PARTS.c.number)))
        .group_by(fitted.c.ticket_id).subquery("parts"))
    return free_work, parts


def _payments(ids: Select):
    """Per ticket: the amount paid in each currency, and the first payment's currency."""
    p = PAYMENTS.c
    totals = (select(p.ticket_id, func.min(p.id).label("first_id"),
                     *(func.sum(case((p.currency == c, p.amount), else_=0)).label(f"paid_{c}")
                       for c in CODES))
              .where(p.ticket_id.in_(ids)).group_by(p.ticket_id).subquery("paid"))
    first = PAYMENTS.alias("first_payment")
    return (select(totals, first.c.currency)
            .join(first, first.c.id == totals.c.first_id).subquery("payments"))


def _visits(ids: Select):
    """Per ticket: entries into in_progress, and jobs sent back by the customer."""
    e = EVENTS.c
    step = case((e.to_status == RESOLVED, RESOLVED), else_=e.kind)
    steps = (select(e.ticket_id, e.kind, e.to_status,
                    func.lag(step).over(partition_by=e.ticket_id, order_by=e.id)
                    .label("previous_step"))
             .where(e.ticket_id.in_(ids),
                    or_(e.kind.in_([REQUESTED, REJECTED]),
                        e.to_status.in_([IN_PROGRESS, RESOLVED])))
             .subquery("steps"))
    s = steps.c
    sent_back = and_(s.kind == REJECTED, s.previous_step == REQUESTED)
    return (select(s.ticket_id,
                   (func.count(case((s.to_status == IN_PROGRESS, 1)))
                    + func.count(case((sent_back, 1)))).label("visits"))
            .group_by(s.ticket_id).subquery("visits"))


def service_select(tickets: ColumnElement, city_currencies: Mapping[str, str]):
    """The service facts of the tickets matching `tickets` (a subquery, by `ticket_id`)."""
    t = TICKETS.c
    ids = select(t.id).where(tickets).correlate(None)
    quote = _latest(QUOTES, ids, "id", "status", "needs_acceptance", "currency", "total",
                    "declined_charge").subquery("quote")
    record = _latest(RECORDS, ids, "fault_category").subquery("record")
    free_work, parts = _quote_parts(quote, ids)
    paid = _payments(ids)
    visits = _visits(ids)
    q = quote.c
    job = t.type.in_(ON_SITE)
    currency = case((job, func.coalesce(q.currency, paid.c.currency,
                                        _city_currency(city_currencies))), else_=null())
    base = (
        select(t.id.label("ticket_id"), record.c.fault_category,
               func.coalesce(visits.c.visits, 0).label("visits"), currency.label("currency"),
               q.id.label("quote_id"), q.status.label("quote_status"), q.needs_acceptance,
               q.total, q.declined_charge, free_work.c.free_work,
               func.coalesce(parts.c.units, 0).label("parts_used"),
               *(parts.c[f"{kind}_{c}"] for kind in ("value", "free") for c in CODES),
               *(paid.c[f"paid_{c}"] for c in CODES))
        .select_from(TICKETS.outerjoin(quote, q.ticket_id == t.id)
                     .outerjoin(record, record.c.ticket_id == t.id)
                     .outerjoin(free_work, free_work.c.ticket_id == t.id)
                     .outerjoin(parts, parts.c.ticket_id == t.id)
                     .outerjoin(paid, paid.c.ticket_id == t.id)
                     .outerjoin(visits, visits.c.ticket_id == t.id))
        .where(tickets)  # not `id IN (ids)`: PostgreSQL would read every ticket to join them
        .subquery("base"))
    b = base.c
    is_job = b.currency.is_not(None)

    def money(value: ColumnElement) -> ColumnElement:
        return case((is_job, func.coalesce(value, 0)), else_=null())

    def in_currency(kind: str) -> ColumnElement:
        return _of_currency(b.currency, {c: b[f"{kind}_{c}"] for c in CODES})

    charge = money(case((b.quote_status == ACCEPTED, b.total),
                        (b.quote_status == DECLINED, b.declined_charge), else_=0))
    warranty_cost = money(func.coalesce(b.free_work, 0) + func.coalesce(in_currency("free"), 0))
    warranty = case((~is_job, null()),
                    (and_(warranty_cost > 0, charge > 0), str(WarrantyClass.mixed)),
                    (warranty_cost > 0, str(WarrantyClass.free)),
                    (charge > 0, str(WarrantyClass.charged)), else_=null())
    quote_outcome = case(
        (~is_job, null()),
        (and_(b.quote_status == ACCEPTED, b.needs_acceptance), str(QuoteOutcome.accepted)),
        (b.quote_status == DECLINED, str(QuoteOutcome.declined)),
        (b.quote_status == SENT, str(QuoteOutcome.pending)), else_=str(QuoteOutcome.none))
    return select(
        b.ticket_id, b.fault_category, b.visits, b.currency,
        money(in_currency("paid")).label("revenue"), charge.label("charge"),
        warranty_cost.label("warranty_cost"),
        case((is_job, b.parts_used), else_=null()).label("parts_used"),
        money(in_currency("value")).label("parts_value"), warranty.label("warranty"),
        quote_outcome.label("quote"),
    ).subquery("service")
