"""The ticket parts are fitted on or taken out on: locked, open, a repair or an installation,
and of an appliance the part fits (usage.py and defective.py, in the ticket's transaction)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.parts import catalogue
from backend.parts.errors import PartRefused
from backend.parts.models import Part
from backend.tickets import lifecycle
from backend.tickets.enums import ON_SITE_TYPES
from backend.tickets.models import Ticket

NO_TICKET = "no such ticket"


async def lock_on_site(db_session: AsyncSession, *, number: str, part: Part,
                       caller_technician_id: int | None, done: str) -> Ticket:
    """The ticket, locked until the transaction ends; refused (rolled back) when there is
    none (for a technician: none assigned to them), it is no longer open, it is no visit,
    or the part does not fit its appliance. `done`: what happens to parts ("fitted")."""
    ticket = await lifecycle.lock(db_session=db_session, number=number,
                                  assignee_id=caller_technician_id)
    if ticket is None:
        await lifecycle.refuse(db_session, NotFound(NO_TICKET))
    await lifecycle.require_open(db_session, ticket,
                                 f"no parts are {done} on a {{status}} ticket")
    if ticket.type not in ON_SITE_TYPES:
        await lifecycle.refuse(db_session, PartRefused(
            f"parts are {done} on repairs and installations only"))
    try:
        catalogue.fits(part, ticket.product)
    except PartRefused as error:
        await lifecycle.refuse(db_session, error)
    return ticket
