"""The facts of each ticket for the statistics (`ticket_facts`), and keeping them up to date.

`facts_select` is the one definition of what a ticket contributes: its dimensions, durations
(minutes from creation to the first staff action, to on site, to resolved), survey rating and
state, whether it is a repeat repair (a `lag()` window over the repairs of the same customer
and product) or a first-time fix (`lead()`: none within 30 days after, and one visit at most),
its SLA milestones, and its service (backend/stats/service_facts.py: money, parts, quote,
visits, fault category, how it was resolved). It is what `refresh` writes into
`ticket_facts`, and what the statistics aggregate directly when asked to read the milestones
from another source.

Triggers (migrations 0011, 0025) queue a ticket's id whenever it, its survey or its service
changes. `refresh` takes a batch of the queue and rewrites the facts of those tickets and of
the repairs of the same customer and product (their repeat-repair and first-time-fix flags
depend on each other), in the caller's transaction. On PostgreSQL one refresher at a time (an
advisory lock): queue rows are deleted before the facts are read, so any change committed
after that is queued again, never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import Base
from backend.stats import service_facts
from backend.stats.enums import REPEAT_REPAIR_DAYS, MilestoneSource
from backend.tickets.enums import ON_SITE_TYPES, TicketStatus, TicketType

TICKETS = Base.metadata.tables["tickets"]
EVENTS = Base.metadata.tables["ticket_events"]
SURVEYS = Base.metadata.tables["surveys"]
FACTS = Base.metadata.tables["ticket_facts"]
QUEUE = Base.metadata.tables["ticket_facts_queue"]
VERSION = Base.metadata.tables["ticket_facts_version"]
STAFF_ACTOR = "staff:%"
RESOLVED_NOW = (str(TicketStatus.resolved), str(TicketStatus.closed))
ON_SITE = [str(t) for t in ON_SITE_TYPES]
CANCELLED = str(TicketStatus.cancelled)
REPAIR = str(TicketType.repair)
# Milestone -> (due column, met column) of tickets (backend/sla).
SLA_COLUMNS = {"first_response": ("first_response_due", "first_responded_at"),
               "on_site": ("on_site_due", "on_site_at"),
               "resolution": ("resolution_due", "resolved_at")}
BATCH = 2000  # queued changes per refresh
LOCK_KEY = 0x57A75  # PostgreSQL advisory lock: one refresher at a time


def minutes(postgres: bool, later: ColumnElement, earlier: ColumnElement) -> ColumnElement:
    if postgres:  # date_part gives a float; extract() a (much slower) numeric
        return func.date_part("epoch", later - earlier, type_=Float) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _milestone_times(source: MilestoneSource, tickets: ColumnElement):
    """The columns giving each ticket's first response, on-site and resolution times, and the
    subquery to join for them (None: the tickets' own columns)."""
    t = TICKETS.c
    resolved_now = t.status.in_(RESOLVED_NOW)
    if source == MilestoneSource.columns:
        return ({"first_response": t.first_responded_at, "on_site": t.on_site_at,
                 "resolution": case((resolved_now, t.resolved_at), else_=null())}, None)
    e = EVENTS.c
    staff_action = and_(e.actor.like(STAFF_ACTOR), e.kind != "created")
    times = (
        select(e.ticket_id,
               func.min(case((staff_action, e.created_at))).label("first_response"),
               func.min(case((e.to_status == str(TicketStatus.in_progress), e.created_at)))
               .label("on_site"),
               func.max(case((e.to_status == str(TicketStatus.resolved), e.created_at)))
               .label("resolution"))
        .where(e.ticket_id.in_(select(TICKETS.c.id).where(tickets)))
        .group_by(e.ticket_id)
        .subquery("milestones")
    )
    return ({"first_response": times.c.first_response, "on_site": times.c.on_site,
             "resolution": case((resolved_now, times.c.resolution), else_=null())}, times)


def _repeat_repairs(postgres: bool, scope: ColumnElement):
    """Each repair (not cancelled, with a product) in `scope`, the minutes since the same
    customer's previous such repair of the same product (`gap`; NULL: none) and until their
    next one (`next_gap`)."""
    t = TICKETS.c
    partition, order = (t.customer_id, t.product), (t.created_at, t.id)
    previous = func.lag(t.created_at).over(partition_by=partition, order_by=order)
    following = func.lead(t.created_at).over(partition_by=partition, order_by=order)
    return (select(t.id.label("ticket_id"),
                   minutes(postgres, t.created_at, previous).label("gap"),
                   minutes(postgres, following, t.created_at).label("next_gap"))
            .where(t.type == REPAIR, t.status != CANCELLED, t.product.is_not(None), scope)
            .subquery("repairs"))


def facts_select(*, postgres: bool, source: MilestoneSource, tickets: ColumnElement,
                 repairs: ColumnElement, city_currencies: Mapping[str, str]):
    """The facts (the columns of `ticket_facts`) of the tickets matching `tickets`; `repairs`
    must select every repair that may precede or follow one of them by 30 days (same customer
    and product); `city_currencies`: the currency of each of their cities that is not the
    Mainland's (service_facts.city_currencies)."""
    t, s = TICKETS.c, SURVEYS.c
    times, times_subquery = _milestone_times(source, tickets)
    created = t.created_at
    cancelled = t.status == CANCELLED
    previous = _repeat_repairs(postgres, repairs)
    service = service_facts.service_select(tickets, city_currencies)
    v = service.c
    counted_repair = and_(t.type == REPAIR, ~cancelled)
    resolved_now = t.status.in_(RESOLVED_NOW)
    window = REPEAT_REPAIR_DAYS * 24 * 60
    columns = [
        t.id.label("ticket_id"), created.label("created_at"), t.type.label("type"),
        cancelled.label("cancelled"), t.product.label("product"),
        t.customer_id.label("customer_id"),
        func.coalesce(t.outlet_id, t.proposed_outlet_id).label("outlet_id"),
        t.assignee_id.label("assignee_id"), t.sla_policy_id.label("sla_policy_id"),
        minutes(postgres, times["first_response"], created).label("first_response"),
        case((t.type.in_(ON_SITE), minutes(postgres, times["on_site"], created)),
             else_=null()).label("on_site"),
        minutes(postgres, times["resolution"], created).label("resolution"),
        s.rating.label("rating"), s.state.label("survey_state"),
        case((and_(counted_repair, previous.c.gap <= window), 1),
             (counted_repair, 0), else_=null()).label("repeat_repair"),
        v.fault_category, case((resolved_now, t.resolved_by), else_=null()).label("resolved_by"),
        v.visits,
        # Fixed the first time: resolved with one visit at most, no repeat repair after it.
        case((and_(t.type == REPAIR, resolved_now),
              case((and_(v.visits <= 1, or_(previous.c.next_gap.is_(None),
                                            previous.c.next_gap > window)), 1), else_=0)),
             else_=null()).label("first_time_fix"),
        v.currency, v.revenue, v.charge, v.warranty_cost, v.parts_used, v.parts_value,
        v.warranty, v.quote,
    ]
    for milestone, (due_name, met_name) in SLA_COLUMNS.items():
        due, met = t[due_name], t[met_name]
        columns.append(case((or_(cancelled, due.is_(None)), null()),
                            (and_(met.is_not(None), met <= due), 1),
                            (met.is_not(None), 0), else_=null()).label(f"sla_{milestone}"))
    for milestone, (due_name, met_name) in SLA_COLUMNS.items():
        # Still open: missed once the due time has passed (decided when asked).
        columns.append(case((and_(~cancelled, t[met_name].is_(None)), t[due_name]),
                            else_=null()).label(f"{milestone}_due"))
    joined = (TICKETS.outerjoin(SURVEYS, s.ticket_id == t.id)
              .outerjoin(previous, previous.c.ticket_id == t.id)
              .join(service, v.ticket_id == t.id))
    if times_subquery is not None:
        joined = joined.outerjoin(times_subquery, times_subquery.c.ticket_id == t.id)
    return select(*columns).select_from(joined).where(tickets)


def repairs_window(low, high) -> ColumnElement:
    """The repairs that may precede or follow a ticket created from `low` to `high`."""
    created, days = TICKETS.c.created_at, timedelta(days=REPEAT_REPAIR_DAYS)
    return and_(created >= low - days, created < high + days)


@lru_cache(maxsize=64)
def _write_facts(postgres: bool, source: MilestoneSource, cities: tuple[tuple[str, str], ...]):
    """The INSERT … SELECT of the facts of the tickets whose ids are bound as `affected`: built
    once per kind of database, source and cities (building it costs ~10 ms of Python; a
    refresh of one changed ticket, a few)."""
    scope = TICKETS.c.id.in_(bindparam("affected", expanding=True))
    rows = facts_select(postgres=postgres, source=source, tickets=scope, repairs=scope,
                        city_currencies=dict(cities))
    return insert(FACTS).from_select([c.name for c in rows.selected_columns], rows)


async def refresh(*, db_session: AsyncSession, source: MilestoneSource,
                  batch: int = BATCH) -> int:
    """Take up to `batch` queued changes and rewrite the facts of their tickets; the caller
    commits. Returns how many queued changes were taken (0: the facts are up to date)."""
    if (await db_session.execute(select(QUEUE.c.id).limit(1))).first() is None:
        return 0
    postgres = db_session.get_bind().dialect.name == "postgresql"
    if postgres:
        await db_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    taken = (await db_session.execute(
        delete(QUEUE).where(QUEUE.c.id.in_(select(QUEUE.c.id).order_by(QUEUE.c.id)
                                           .limit(batch)))
        .returning(QUEUE.c.ticket_id))).scalars().all()
    if not taken:
        return 0
    changed = sorted(set(taken))
    t, f = TICKETS.c, FACTS.c
    # The repairs of the same customer and product, before and after the change (a product
    # or type may have changed, a repair been cancelled or deleted): their flags may move.
    pairs = union(select(t.customer_id, t.product).where(t.id.in_(changed)),
                  select(f.customer_id, f.product).where(f.ticket_id.in_(changed))).subquery()
    neighbours = select(t.id).where(
        t.type == REPAIR, exists().where(pairs.c.customer_id == t.customer_id,
                                         pairs.c.product == t.product))
    affected = sorted(set(changed) | set((await db_session.execute(neighbours)).scalars()))
    await db_session.execute(delete(FACTS).where(f.ticket_id.in_(affected)))
    # Every repair of an affected ticket's customer and product is affected too: the window
    # needs no other.
    cities = await service_facts.city_currencies(db_session, t.id.in_(affected))
    await db_session.execute(_write_facts(postgres, source, tuple(sorted(cities.items()))),
                             {"affected": affected})
    await db_session.execute(update(VERSION).values(version=VERSION.c.version + 1))
    return len(taken)


async def version(*, db_session: AsyncSession) -> int:
    """The facts' version: it changes with every refresh that rewrote some."""
    return (await db_session.execute(select(VERSION.c.version))).scalar_one()
