"""Tickets: create (idempotent) and read (customer and staff views).

What is done to a ticket afterwards is in `actions` (staff and customers) and goes through
`lifecycle` (locks, status, record, pushes, hooks).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.customers import service as customer_service
from backend.customers.enums import Channel
from backend.kernel.database import utcnow
from backend.kernel.ticket_numbers import normalise_ticket_number
from backend.staff.models import Staff
from backend.tickets import due, escalation, lifecycle, numbers
from backend.tickets.enums import (
    DEFAULT_PRIORITY,
    OPEN_STATUSES,
    EscalationTarget,
    EventKind,
    SlaState,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from backend.tickets.errors import IdempotencyConflict
from backend.tickets.models import Ticket, TicketEvent
from backend.tickets.schemas import TicketCreate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreateResult:
    ticket: Ticket
    created: bool  # False: an earlier request with the same key made it (a replay)


def fingerprint(data: TicketCreate) -> str:
    """A digest of the create request, to tell a replay from a different request."""
    # A field added since (product_id) counts only when given, so a request retried across
    # an upgrade is still the same request.
    unset = {"product_id"} if data.product_id is None else set()
    canonical = json.dumps(data.model_dump(mode="json", exclude=unset), sort_keys=True,
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def get_by_idempotency_key(*, db_session: AsyncSession, key: str) -> Ticket | None:
    statement = select(Ticket).where(Ticket.idempotency_key == key)
    return (await db_session.execute(statement)).scalar_one_or_none()


def _replay(ticket: Ticket, request_fingerprint: str) -> CreateResult:
    if ticket.request_fingerprint != request_fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different request")
    return CreateResult(ticket=ticket, created=False)


async def _product_of_related(db_session: AsyncSession, customer_id: int,
                              details: dict | None) -> str | None:
    """The product of the customer's own ticket a complaint names (`details.related_ticket`),
    so staff see what the complaint is about; None for a number that is not theirs."""
    number = (details or {}).get("related_ticket")
    if not isinstance(number, str) or not number:
        return None
    return (await db_session.execute(
        select(Ticket.product).where(Ticket.number == number, Ticket.customer_id == customer_id)
    )).scalar_one_or_none()


async def create_ticket(*, db_session: AsyncSession, data: TicketCreate, idempotency_key: str,
                        timezone: str, alert_chat_id: str | None = None) -> CreateResult:
    """Create a ticket (and its customer and chat identity if new), once per idempotency key:
    the same key again returns the first ticket; with a different request, IdempotencyConflict.
    A complaint goes to a supervisor straight away (`escalation.route_complaint`; the staff
    chat `alert_chat_id` is alerted). Commits.

    The key is not looked up first: the insert is tried, and the unique constraint on the key
    decides (a replay is rare; a lookup on every create is a round trip each time). A replay,
    or a concurrent duplicate, rolls back (giving its number back) and reads the first ticket.
    """
    request_fingerprint = fingerprint(data)
    now = utcnow()
    try:
        customer = await customer_service.get_or_create_by_chat(
            db_session=db_session, channel=data.customer.channel, chat_id=data.customer.chat_id,
            display_name=data.customer.display_name, language=data.customer.language,
        )
        number = await numbers.next_number(db_session=db_session, ticket_type=data.type,
                                           now=now, timezone=timezone)
        ticket = Ticket(
            number=number, type=data.type, status=TicketStatus.new,
            priority=data.priority or DEFAULT_PRIORITY.get(data.type, TicketPriority.normal),
            product=data.product, description=data.description, error_code=data.error_code,
            phone=data.phone, address=data.address, preferred_time=data.preferred_time,
            details=data.details, attachments=[a.model_dump() for a in data.attachments],
            product_id=data.product_id, customer_id=customer.id, channel=data.customer.channel,
            chat_id=data.customer.chat_id, language=customer.language,
            idempotency_key=idempotency_key, request_fingerprint=request_fingerprint,
            created_at=now, updated_at=now,
            events=[TicketEvent(
                kind=EventKind.created, to_status=TicketStatus.new,
                actor=lifecycle.customer_actor(data.customer.channel, data.customer.chat_id),
                created_at=now,
            )],
        )
        if ticket.type == TicketType.complaint and not ticket.product:
            ticket.product = await _product_of_related(db_session, customer.id, data.details)
        # The place and outlet, the due times: the `created` hooks (outlets, sla).
        await lifecycle.created(db_session=db_session, ticket=ticket, customer=customer)
        db_session.add(ticket)
        if ticket.type == TicketType.complaint:
            await db_session.flush()
            await escalation.route_complaint(db_session=db_session, ticket=ticket, now=now,
                                             alert_chat_id=alert_chat_id)
        await db_session.commit()
    except IntegrityError:
        # The key was used before, or by a concurrent request that won: answer with its ticket.
        await db_session.rollback()
        existing = await get_by_idempotency_key(db_session=db_session, key=idempotency_key)
        if existing is None:
            raise
        await db_session.commit()
        return _replay(existing, request_fingerprint)
    log.info("ticket %s created (type=%s, channel=%s)", ticket.number, ticket.type,
             ticket.channel)
    return CreateResult(ticket=ticket, created=True)


async def get_by_number(*, db_session: AsyncSession, number: str, with_events: bool = False,
                        assignee_id: int | None = None) -> Ticket | None:
    """The ticket with this number in any spelling, or None. With `assignee_id` (a
    technician's view), only if it is assigned to that staff member."""
    canonical = normalise_ticket_number(number)
    if canonical is None:
        return None
    statement = select(Ticket).where(Ticket.number == canonical)
    if assignee_id is not None:
        statement = statement.where(Ticket.assignee_id == assignee_id)
    if with_events:
        statement = statement.options(
            selectinload(Ticket.events), selectinload(Ticket.customer),
            selectinload(Ticket.assignee), selectinload(Ticket.registered_product),
        ).execution_options(populate_existing=True)
    return (await db_session.execute(statement)).scalar_one_or_none()


async def get_for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                           number: str) -> Ticket | None:
    """The ticket if it belongs to the customer behind this chat; None otherwise (whether it
    does not exist or is someone else's: the caller cannot tell)."""
    canonical = normalise_ticket_number(number)
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if canonical is None or customer is None:
        return None
    statement = select(Ticket).where(Ticket.number == canonical,
                                     Ticket.customer_id == customer.id)
    return (await db_session.execute(statement)).scalar_one_or_none()


async def list_for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                            open_only: bool = False, limit: int = 50) -> list[Ticket]:
    """The tickets of the customer behind this chat (from any of their chats), newest first."""
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if customer is None:
        return []
    statement = select(Ticket).where(Ticket.customer_id == customer.id)
    if open_only:
        statement = statement.where(Ticket.status.in_([str(s) for s in OPEN_STATUSES]))
    statement = statement.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    return list((await db_session.execute(statement)).scalars())


UNASSIGNED = "none"  # the queue's assignee filter for tickets nobody has


async def list_tickets(*, db_session: AsyncSession, status: TicketStatus | None = None,
                       ticket_type: TicketType | None = None, assignee_id: int | None = None,
                       sla_state: SlaState | None = None, priority: TicketPriority | None = None,
                       outlet_id: int | None = None, assignee: str | None = None,
                       escalated_to: EscalationTarget | None = None, by_due: bool = False,
                       limit: int = 50, offset: int = 0) -> tuple[list[Ticket], int]:
    """A page of all tickets (with `assignee_id`: of those assigned to that staff member;
    with `sla_state`: of those in that SLA state now; `outlet_id`: of that outlet, confirmed
    or proposed; `assignee`: of the staff member of that username, or `none`: unassigned;
    `priority`, `escalated_to`: with that one), newest first (`by_due`: soonest due first),
    and how many match in total."""
    conditions = []
    if assignee_id is not None:
        conditions.append(Ticket.assignee_id == assignee_id)
    if status is not None:
        conditions.append(Ticket.status == str(status))
    if ticket_type is not None:
        conditions.append(Ticket.type == str(ticket_type))
    if priority is not None:
        conditions.append(Ticket.priority == str(priority))
    if outlet_id is not None:
        conditions.append(or_(Ticket.outlet_id == outlet_id,
                              (Ticket.outlet_id.is_(None))
                              & (Ticket.proposed_outlet_id == outlet_id)))
    if assignee == UNASSIGNED:
        conditions.append(Ticket.assignee_id.is_(None))
    elif assignee is not None:
        conditions.append(Ticket.assignee_id.in_(
            select(Staff.id).where(Staff.username == assignee.lower())))
    if escalated_to is not None:
        conditions.append(Ticket.escalated_to == str(escalated_to))
    if sla_state is not None:
        conditions.append(due.state_condition(sla_state, now=utcnow()))
    order = due.due_order() if by_due else (Ticket.created_at.desc(), Ticket.id.desc())
    total = (await db_session.execute(
        select(func.count()).select_from(Ticket).where(*conditions)
    )).scalar_one()
    statement = (select(Ticket).where(*conditions).options(selectinload(Ticket.assignee))
                 .order_by(*order).limit(limit).offset(offset))
    return list((await db_session.execute(statement)).scalars()), total
