"""Parts on a ticket: fitted from a technician's stock (a `use` movement and a `part_used`
event in the ticket's one transaction), listed with the ticket with each one's parts warranty,
and `free_replacement`: did a part replaced on this customer's product fail again within its
parts warranty (the quotes ask; GB/T 27922 5.12c)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.kernel import business_calendar
from backend.kernel.database import utcnow
from backend.parts import catalogue, defective, stock
from backend.parts.enums import PART_USED, MovementKind, PartKind
from backend.parts.models import Part, StockMovement
from backend.parts.schemas import TicketPartsOut, UsedPartOut, UseIn, normalised_number
from backend.parts.tickets import NO_TICKET, lock_on_site
from backend.staff.models import Staff
from backend.tickets import lifecycle
from backend.tickets import service as ticket_service
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)


async def use(*, db_session: AsyncSession, number: str, data: UseIn, actor: str,
              caller_technician_id: int | None = None) -> StockMovement:
    """Fit `quantity` of a part on an open repair or installation ticket, from the
    technician's stock: their balance goes down, a `use` movement (its warranty end: today +
    the part's warranty days) and a `part_used` event, in one transaction with the ticket
    locked. A technician: only on a ticket assigned to them (else NotFound). NotEnoughStock
    when they hold fewer; ActionNotAllowed for a ticket no longer open. Commits."""
    part = await catalogue.get_active(db_session=db_session, number=data.part_number)
    person = await stock.holder_of(db_session, named=data.technician,
                                   caller_technician_id=caller_technician_id)
    ticket = await lock_on_site(db_session, number=number, part=part,
                                caller_technician_id=caller_technician_id, done="fitted")
    now = utcnow()
    movement = await fit(db_session, ticket, part, person, data.quantity, actor=actor, now=now)
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: part %s x%d used by %s", ticket.number, part.number, data.quantity,
             person.username)
    return movement


async def fit(db_session: AsyncSession, ticket: Ticket, part: Part, technician: Staff,
              quantity: int, *, actor: str, now: datetime) -> StockMovement:
    """`quantity` of `part` fitted on the (locked) ticket from the technician's stock: a `use`
    movement (its warranty end: today + the part's warranty days; NotEnoughStock when they hold
    fewer) and a `part_used` event. Nothing is committed (`use`; a completion's parts)."""
    used_on = business_calendar.current().local_date(now)
    until = used_on + timedelta(days=part.warranty_days)
    movement = await stock.move(
        db_session, kind=MovementKind.use, part=part, quantity=quantity, actor=actor,
        source=stock.Holder(technician_id=technician.id), now=now, ticket_id=ticket.id,
        used_on=used_on, warranty_until=until)
    lifecycle.record(db_session, ticket, PART_USED, actor=actor, now=now, touch=True,
                     note=f"{part.number} {part.name_zh_hans} ×{quantity} "
                          f"({technician.username}), 配件保修至 {until.isoformat()}")
    return movement


async def on_ticket(*, db_session: AsyncSession, number: str,
                    assignee_id: int | None = None) -> TicketPartsOut:
    """The parts fitted on the ticket (oldest first, each with its parts warranty's end) and
    the defective ones removed. NotFound (a technician: a ticket not assigned to them)."""
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                assignee_id=assignee_id)
    if ticket is None:
        raise NotFound(NO_TICKET)
    rows = (await db_session.execute(
        select(StockMovement, Part, Staff.username)
        .join(Part, Part.id == StockMovement.part_id)
        .outerjoin(Staff, Staff.id == StockMovement.from_technician_id)
        .where(StockMovement.ticket_id == ticket.id,
               StockMovement.kind == str(MovementKind.use))
        .order_by(StockMovement.id))).all()
    used = [UsedPartOut.model_validate({
        "part_number": part.number, "part_name": part.name_zh_hans, "kind": PartKind(part.kind),
        "quantity": m.quantity, "technician": username, "used_on": m.used_on,
        "warranty_until": m.warranty_until, "actor": m.actor, "created_at": m.created_at})
        for m, part, username in rows]
    removed = await defective.of_ticket(db_session=db_session, ticket=ticket)
    return TicketPartsOut(ticket_number=ticket.number, used=used, removed=removed)


@dataclass(frozen=True)
class EarlierUse:
    """A part fitted earlier on the same product, still under its parts warranty."""

    ticket_number: str
    part_number: str
    used_on: date
    warranty_until: date


async def free_replacement(*, db_session: AsyncSession, part_number: str, on: date,
                           ticket: Ticket | None = None,
                           product_id: int | None = None) -> EarlierUse | None:
    """Whether replacing this part on `on` is free because the same part, fitted on the same
    product on another ticket on or before `on`, is still within its parts warranty (its
    `warranty_until` on or after `on`): that earlier use (the longest-covered one), or None.

    The product: `product_id`, else the ticket's registered product; a ticket without one
    counts the customer's other tickets about the same category that have none either (no
    product to tell two fridges apart by). The ticket itself is left out: its own uses are
    the replacement being asked about."""
    if product_id is None and ticket is None:
        raise ValueError("free_replacement needs a ticket or a product")
    product_id = product_id if product_id is not None else ticket.product_id if ticket else None
    if product_id is not None:
        same_product = Ticket.product_id == product_id
    else:
        assert ticket is not None
        same_product = and_(Ticket.customer_id == ticket.customer_id,
                            Ticket.product == ticket.product, Ticket.product_id.is_(None))
    statement = (
        select(StockMovement, Ticket.number)
        .join(Ticket, Ticket.id == StockMovement.ticket_id)
        .join(Part, Part.id == StockMovement.part_id)
        .where(StockMovement.kind == str(MovementKind.use),
               Part.number == normalised_number(part_number), same_product,
               StockMovement.used_on <= on, StockMovement.warranty_until >= on)
        .order_by(StockMovement.warranty_until.desc(), StockMovement.id.desc()).limit(1))
    if ticket is not None:
        statement = statement.where(StockMovement.ticket_id != ticket.id)
    found = (await db_session.execute(statement)).first()
    if found is None:
        return None
    movement, ticket_number = found
    assert movement.used_on is not None and movement.warranty_until is not None
    return EarlierUse(ticket_number=ticket_number, part_number=normalised_number(part_number),
                      used_on=movement.used_on, warranty_until=movement.warranty_until)
