"""Outlets: kept by admins; a new on-site ticket is proposed to the one covering its address,
and staff confirm or override that (an `outlet_assigned` event)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.database import utcnow
from backend.outlets.models import Outlet
from backend.outlets.places import parse_address
from backend.outlets.schemas import OutletIn
from backend.tickets import lifecycle
from backend.tickets.enums import ON_SITE_TYPES
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)

OUTLET_ASSIGNED = "outlet_assigned"


class TicketNotOpen(Exception):
    """Only an open ticket gets an outlet."""


class OutletUnavailable(Exception):
    """No active outlet has that id."""


# ---- proposing an outlet for a new ticket -----------------------------------------------------

async def covering(*, db_session: AsyncSession, city: str | None,
                   district: str | None) -> Outlet | None:
    """The active outlet of `city` that names `district` among those it covers, else the one
    covering the whole city (no districts listed), else None. The lowest id wins a tie."""
    if not city:
        return None
    statement = (select(Outlet).where(Outlet.city == city, Outlet.active.is_(True))
                 .order_by(Outlet.id))
    outlets = list((await db_session.execute(statement)).scalars())
    named = [o for o in outlets if district and district in (o.districts or [])]
    whole_city = [o for o in outlets if not o.districts]
    found = named or whole_city
    return found[0] if found else None


async def propose(*, db_session: AsyncSession, ticket: Ticket, customer: object = None) -> None:
    """Set a new ticket's `city` and `district` from its address and, for an on-site type,
    its `proposed_outlet_id` (the lifecycle's `created` hook: backend/wiring.py). In the
    caller's transaction."""
    place = parse_address(ticket.address)
    ticket.city, ticket.district = place.city, place.district
    if ticket.type in ON_SITE_TYPES:
        outlet = await covering(db_session=db_session, city=place.city, district=place.district)
        ticket.proposed_outlet_id = outlet.id if outlet is not None else None


async def assign(*, db_session: AsyncSession, number: str, outlet_id: int,
                 actor: str) -> Ticket | None:
    """Staff confirm the proposed outlet or choose another one (an active one) for an open
    ticket: `outlet_id` and an `outlet_assigned` event (a staff event: the first response if
    it is the first). None if there is no such ticket; TicketNotOpen, OutletUnavailable.
    Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.require_open(db_session, ticket, "a {status} ticket gets no outlet",
                                 TicketNotOpen)
    outlet = await db_session.get(Outlet, outlet_id)
    if outlet is None or not outlet.active:
        await lifecycle.refuse(db_session, OutletUnavailable("no active outlet with that id"))
    now = utcnow()
    if outlet.id == ticket.proposed_outlet_id:
        how = "the proposed one"
    elif ticket.proposed_outlet_id is not None:
        how = f"proposed: {ticket.proposed_outlet_id}"
    else:
        how = "none proposed"
    ticket.outlet_id = outlet.id
    lifecycle.record(db_session, ticket, OUTLET_ASSIGNED, actor=actor, now=now, touch=True,
                     note=f"outlet {outlet.id} {outlet.name} ({how})")
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: outlet %s", ticket.number, outlet.id)
    return ticket


# ---- keeping outlets ------------------------------------------------------------------------

async def list_outlets(*, db_session: AsyncSession, city: str | None = None,
                       active: bool | None = None, limit: int = 100,
                       offset: int = 0) -> tuple[list[Outlet], int]:
    conditions: list[Any] = []
    if city is not None:
        conditions.append(Outlet.city == city)
    if active is not None:
        conditions.append(Outlet.active.is_(active))
    total = (await db_session.execute(
        select(func.count()).select_from(Outlet).where(*conditions)
    )).scalar_one()
    statement = (select(Outlet).where(*conditions).order_by(Outlet.city, Outlet.id)
                 .limit(limit).offset(offset))
    return list((await db_session.execute(statement)).scalars()), total


async def get(*, db_session: AsyncSession, outlet_id: int) -> Outlet | None:
    return await db_session.get(Outlet, outlet_id)


async def create(*, db_session: AsyncSession, data: OutletIn) -> Outlet:
    outlet = Outlet(**data.model_dump())
    db_session.add(outlet)
    await db_session.commit()
    return outlet


async def update(*, db_session: AsyncSession, outlet_id: int, data: OutletIn) -> Outlet | None:
    """Replace every field of an outlet."""
    outlet = await db_session.get(Outlet, outlet_id)
    if outlet is None:
        return None
    for field, value in data.model_dump().items():
        setattr(outlet, field, value)
    outlet.updated_at = utcnow()
    await db_session.commit()
    return outlet


async def deactivate(*, db_session: AsyncSession, outlet_id: int) -> bool:
    """Outlets are not deleted (tickets refer to them): they stop being proposed."""
    outlet = await db_session.get(Outlet, outlet_id)
    if outlet is None:
        return False
    outlet.active, outlet.updated_at = False, utcnow()
    await db_session.commit()
    return True
