"""A ticket's lifecycle: the one place that locks a ticket, checks a status change against the
table of transitions, writes `ticket.status`, records the ticket's events, queues the pushes
about the ticket in the outbox, and calls the hooks other domains installed
(backend/tickets/hooks.py: SLA clocks, surveys, outlets).

Every action (here in tickets/, and in sla/, surveys/, outlets/, handoff/, privacy/) is
"lock, check, change, record, push, commit", built from these pieces:

    ticket = await lifecycle.lock(db_session=db_session, number=number)   # None: not found
    await lifecycle.require_open(db_session, ticket, "a {status} ticket cannot be assigned")
    lifecycle.record(db_session, ticket, EventKind.assigned, actor=actor, note=…, now=now,
                     touch=True)
    await lifecycle.set_status(…)            # or: await db_session.commit()

A refusal rolls the transaction back before it raises, so the lock is let go at once. Nothing
here commits except `set_status`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.customers import service as customer_service
from backend.customers.enums import Channel
from backend.kernel.database import utcnow
from backend.kernel.pushes import Appointment, Push, StatusChanged, Technician
from backend.kernel.ticket_numbers import normalise_ticket_number
from backend.notifications import service as notification_service
from backend.staff.enums import Role
from backend.staff.models import Staff
from backend.tickets import hooks
from backend.tickets.enums import OPEN_STATUSES, EventKind, TicketStatus, can_transition
from backend.tickets.errors import ActionNotAllowed, TransitionNotAllowed
from backend.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)


def customer_actor(channel: str, chat_id: str) -> str:
    """How a customer acting from a chat is named in the ticket's record."""
    return f"customer:{channel}:{chat_id}"


def push_language(ticket: Ticket) -> str:
    """The language of pushes to the ticket's customer (their latest, else the ticket's)."""
    return ticket.customer.language or ticket.language


# ---- locking ----------------------------------------------------------------------------------

async def lock(*, db_session: AsyncSession, number: str | None = None,
               ticket_id: int | None = None, assignee_id: int | None = None,
               customer_id: int | None = None, where: Sequence[ColumnElement[bool]] = (),
               skip_locked: bool = False, fresh: bool = False) -> Ticket | None:
    """The ticket of this number (in any spelling) or id (with `assignee_id`: only if assigned
    to that staff member; `customer_id`: only if that customer's; `where`: only if it matches),
    its customer loaded, locked for update until commit (PostgreSQL): changes to one ticket are
    serialised, so its outbox messages are numbered in commit order. `skip_locked`: None if
    another transaction holds it (the workers); `fresh`: read again even if loaded. The one
    way tickets are locked."""
    statement = (select(Ticket).options(selectinload(Ticket.customer))
                 .with_for_update(of=Ticket, skip_locked=skip_locked))
    if number is not None:
        canonical = normalise_ticket_number(number)
        if canonical is None:
            return None
        statement = statement.where(Ticket.number == canonical)
    if ticket_id is not None:
        statement = statement.where(Ticket.id == ticket_id)
    if assignee_id is not None:
        statement = statement.where(Ticket.assignee_id == assignee_id)
    if customer_id is not None:
        statement = statement.where(Ticket.customer_id == customer_id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return (await db_session.execute(statement.where(*where))).scalar_one_or_none()


async def lock_for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                            number: str) -> Ticket | None:
    """`lock` for a customer acting in their chat: only a ticket of the customer of that chat
    (None otherwise: missing and someone else's alike)."""
    customer = await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                                  chat_id=chat_id)
    if customer is None:
        return None
    return await lock(db_session=db_session, number=number, customer_id=customer.id)


async def lock_all_of_customer(*, db_session: AsyncSession, customer_id: int) -> list[Ticket]:
    """Every ticket of the customer, oldest first, locked for update until commit (erasure)."""
    statement = (select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)
                 .with_for_update())
    return list((await db_session.execute(statement)).scalars())


# ---- refusing ---------------------------------------------------------------------------------

async def refuse(db_session: AsyncSession, error: Exception) -> NoReturn:
    """Roll the action back (letting the lock go) and raise `error`."""
    await db_session.rollback()
    raise error


async def require_open(db_session: AsyncSession, ticket: Ticket, message: str,
                       error: type[Exception] = ActionNotAllowed) -> None:
    """Refuse unless the ticket is open; `message` may name the `{status}`."""
    status = TicketStatus(ticket.status)
    if status not in OPEN_STATUSES:
        await refuse(db_session, error(message.format(status=status)))


# ---- the record and the outbox ------------------------------------------------------------------

def record(db_session: AsyncSession, ticket: Ticket | int, kind: str, *, actor: str,
           note: str | None = None, now: datetime | None = None, touch: bool = False,
           from_status: str | None = None, to_status: str | None = None) -> TicketEvent:
    """An event in the ticket's record (`ticket`: the ticket or its id; `now` None: the time
    of the insert). `touch`: the ticket's `updated_at` too."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    if touch:
        assert not isinstance(ticket, int) and now is not None
        ticket.updated_at = now
    fields: dict[str, Any] = {"created_at": now} if now is not None else {}
    event = TicketEvent(ticket_id=ticket_id, kind=kind, from_status=from_status,
                        to_status=to_status, actor=actor, note=note, **fields)
    db_session.add(event)
    return event


def push(db_session: AsyncSession, ticket: Ticket, push: Push, now: datetime) -> None:
    """Queue a push about the ticket (in order per ticket: backend/notifications)."""
    notification_service.enqueue(db_session=db_session, ticket_id=ticket.id, push=push, now=now)


def to_customer(ticket: Ticket) -> dict[str, Any]:
    """The fields of a push to the ticket's customer that say which ticket and where it goes:
    `ticket_number`, `channel`, `chat_id`, `language`."""
    return {"ticket_number": ticket.number, "channel": ticket.channel,
            "chat_id": ticket.chat_id, "language": push_language(ticket)}


def appointment_of(ticket: Ticket) -> Appointment | None:
    """The ticket's appointment as status pushes carry it (date and window), or None."""
    if ticket.appointment_date is None:
        return None
    return Appointment(date=ticket.appointment_date, window=ticket.appointment_window)


async def technician_of(db_session: AsyncSession, ticket: Ticket) -> Technician | None:
    """The technician assigned to the ticket as the customer may know them (一证件: display
    name and staff number, nothing else), or None (none, or the assignee is no technician)."""
    if ticket.assignee_id is None:
        return None
    staff = await db_session.get(Staff, ticket.assignee_id)
    if staff is None or staff.role != Role.technician:
        return None
    return Technician(name=staff.display_name, staff_number=staff.staff_number)


def status_push(ticket: Ticket, status: TicketStatus, previous: TicketStatus,
                note: str | None, now: datetime,
                technician: Technician | None = None) -> StatusChanged:
    """The push telling the customer of a status change; moved to `scheduled` (or scheduled
    again: a visit moved), with the appointment, which the customer confirms or not, and the
    technician coming (`technician_of`)."""
    scheduled = status == TicketStatus.scheduled
    return StatusChanged(
        **to_customer(ticket), ticket_type=ticket.type, status=status,
        previous_status=previous, note=note, occurred_at=now,
        appointment=appointment_of(ticket) if scheduled else None,
        technician=technician if scheduled else None)


# ---- hooks other than the status's ------------------------------------------------------------

async def created(*, db_session: AsyncSession, ticket: Ticket, customer: object) -> None:
    await hooks.run("created", db_session=db_session, ticket=ticket, customer=customer)


async def priority_changed(*, db_session: AsyncSession, ticket: Ticket) -> None:
    await hooks.run("priority_changed", db_session=db_session, ticket=ticket)


async def staff_acted(*, db_session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    await hooks.run("staff_acted", db_session=db_session, ticket=ticket, now=now)


# ---- the status -----------------------------------------------------------------------------------

async def write_status(*, db_session: AsyncSession, ticket: Ticket, status: TicketStatus,
                       note: str | None, actor: str, now: datetime, notify: bool,
                       follow_up: bool = True) -> TicketStatus:
    """Check the transition (refused: TransitionNotAllowed, rolled back), write the status and
    its `status_changed` event, call the `status_changed` hooks, queue the status push if
    `notify`, then the `follow_up` hooks (unless `follow_up` is off: an erasure). Neither
    touches nor commits. Returns the previous status."""
    current = TicketStatus(ticket.status)
    if not can_transition(current, status):
        await refuse(db_session, TransitionNotAllowed(current, status))
    ticket.status = status
    record(db_session, ticket, EventKind.status_changed, from_status=current, to_status=status,
           actor=actor, note=note, now=now)
    await hooks.run("status_changed", db_session=db_session, ticket=ticket, status=status,
                    actor=actor, now=now)
    if notify:
        technician = (await technician_of(db_session, ticket)
                      if status == TicketStatus.scheduled else None)
        push(db_session, ticket, status_push(ticket, status, current, note, now, technician),
             now)
    if follow_up:
        await hooks.run("follow_up", db_session=db_session, ticket=ticket, status=status,
                        now=now)
    return current


async def set_status(*, db_session: AsyncSession, ticket: Ticket, status: TicketStatus,
                     note: str | None, actor: str, notify: bool) -> None:
    """Move the locked ticket to `status`: `write_status`, the ticket touched, and commit (the
    status, its event, its push and what the hooks did: one transaction)."""
    now = utcnow()
    ticket.updated_at = now
    current = await write_status(db_session=db_session, ticket=ticket, status=status,
                                 note=note, actor=actor, now=now, notify=notify)
    await db_session.commit()
    log.info("ticket %s: %s -> %s", ticket.number, current, status)
