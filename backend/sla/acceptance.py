"""Acceptance (验收): a job marked done awaits the customer (`tickets.awaiting_acceptance_since`),
who confirms it (resolved) or says it is not fixed (back to the technician); no answer within
`acceptance_timeout_hours` resolves it (`resolve_unanswered`, the SLA worker).

A job is marked done by its completion with the service record (backend/service_records:
the customer confirms the record, signing it); `accept` and `reject` answer the
`acceptance_request` buttons of jobs marked done before, still in chats and outboxes.

While a ticket awaits acceptance it stays in_progress and its resolution clock waits; once
accepted, it counts as resolved when the technician finished (backend.sla.service).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.kernel.database import utcnow
from backend.sla import service as sla_service
from backend.sla.enums import ACCEPTANCE_ACTOR, SlaEventKind
from backend.tickets import lifecycle
from backend.tickets.enums import TicketStatus
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)


class CannotComplete(Exception):
    """The ticket cannot be marked done: not being worked on (resolved, closed, cancelled),
    or done already and awaiting the customer. 409."""


class NothingToAnswer(Exception):
    """The ticket awaits no acceptance (never asked, or answered already)."""


async def _awaiting_for_customer(db_session: AsyncSession, channel: Channel | str,
                                 chat_id: str, number: str) -> Ticket | None:
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    if ticket.awaiting_acceptance_since is None or ticket.status != TicketStatus.in_progress:
        await lifecycle.refuse(db_session,
                               NothingToAnswer(f"ticket {ticket.number} awaits no acceptance"))
    return ticket


async def accept(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                 number: str) -> Ticket | None:
    """The customer confirms the job is done: resolved (not pushed: the bot answers). None if
    the ticket is not theirs; NothingToAnswer. Commits."""
    ticket = await _awaiting_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    await lifecycle.set_status(db_session=db_session, ticket=ticket,
                               status=TicketStatus.resolved, note="accepted by the customer",
                               actor=lifecycle.customer_actor(channel, chat_id), notify=False)
    return ticket


async def reject(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                 number: str, note: str | None) -> Ticket | None:
    """The customer says it is not fixed: no longer awaiting acceptance (still in_progress,
    its resolution clock running again), an `acceptance_rejected` event for staff. None if the
    ticket is not theirs; NothingToAnswer. Commits."""
    ticket = await _awaiting_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    now = utcnow()
    ticket.awaiting_acceptance_since = None
    lifecycle.record(db_session, ticket, SlaEventKind.acceptance_rejected, now=now, touch=True,
                     actor=lifecycle.customer_actor(channel, chat_id), note=note)
    await sla_service.refresh(db_session=db_session, ticket=ticket)
    await db_session.commit()
    log.info("ticket %s: the customer says it is not fixed", ticket.number)
    return ticket


async def overdue(*, db_session: AsyncSession, asked_before: datetime) -> list[str]:
    """Numbers of tickets awaiting acceptance since before `asked_before`."""
    statement = (select(Ticket.number)
                 .where(Ticket.awaiting_acceptance_since < asked_before,
                        Ticket.status == str(TicketStatus.in_progress))
                 .order_by(Ticket.id))
    found = list((await db_session.execute(statement)).scalars())
    await db_session.commit()
    return found


async def resolve_unanswered(*, db_session: AsyncSession, number: str, asked_before: datetime,
                             timeout_hours: float) -> Ticket | None:
    """Resolve a ticket whose customer did not answer the acceptance request in time: an
    `acceptance_timeout` event saying so, then status resolved, pushed to the customer. None
    if it no longer waits (answered meanwhile). Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number)
    if (ticket is None or ticket.status != TicketStatus.in_progress
            or ticket.awaiting_acceptance_since is None
            or ticket.awaiting_acceptance_since >= asked_before):
        await db_session.rollback()
        return None
    lifecycle.record(
        db_session, ticket, SlaEventKind.acceptance_timeout, actor=ACCEPTANCE_ACTOR,
        note=f"no answer to the acceptance request within {timeout_hours:g} h: resolved",
        now=utcnow(),
    )
    log.info("ticket %s: acceptance not answered in time, resolving", number)
    await lifecycle.set_status(db_session=db_session, ticket=ticket, status=TicketStatus.resolved,
                               note=None, actor=ACCEPTANCE_ACTOR, notify=True)
    return ticket
