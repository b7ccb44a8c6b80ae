"""Appointments (预约): staff agree a date and window with the customer; the ticket moves to
`scheduled` (the customer's chat hears it, with the date and window, through the ticket
lifecycle), the on-site milestone becomes due at the end of the window, and the worker reminds
the customer once, the day before. The customer confirms the time from the chat, or asks for
another one, which waits on the ticket (`appointment_request`) for the dispatcher until staff
schedule again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.kernel import business_calendar as sla_calendar
from backend.kernel.database import utcnow
from backend.kernel.pushes import AppointmentReminder
from backend.sla import service as sla_service
from backend.sla.enums import AppointmentWindow, SlaEventKind
from backend.tickets import lifecycle
from backend.tickets.enums import ON_SITE_TYPES, TicketStatus
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)

# Reminders go to tickets still waiting for their visit.
REMINDED_STATUSES = (TicketStatus.scheduled,)


class DateInThePast(ValueError):
    """An appointment cannot be made for a day that is over."""


class NoAppointment(Exception):
    """The ticket has no appointment waiting for the customer's answer."""


async def schedule(*, db_session: AsyncSession, number: str, day: date,
                   window: AppointmentWindow, note: str | None, actor: str,
                   assignee_id: int | None = None, now: datetime | None = None) -> Ticket | None:
    """Agree an appointment (staff): the ticket's `appointment_date` and `_window`, an
    `appointment` event, the on-site due time at the end of the window, and status
    `scheduled` with its push to the customer (`note` goes with it). A ticket scheduled
    already keeps its status and its customer gets the same push again, with the new time.

    An appointment made on the day before or for today gets no reminder (the push just sent
    is one). None if there is no such ticket (with `assignee_id`: none assigned to that staff
    member); DateInThePast; TransitionNotAllowed if the status cannot become `scheduled`.
    Commits."""
    calendar = sla_calendar.current()
    now = now or utcnow()
    today = calendar.local_date(now)
    if day < today:
        raise DateInThePast(f"{day} is over")
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    ticket.appointment_date, ticket.appointment_window = day, str(window)
    ticket.appointment_confirmed_at = ticket.appointment_request = None
    ticket.appointment_reminded_at = now if day <= today + timedelta(days=1) else None
    if ticket.type in ON_SITE_TYPES and ticket.on_site_at is None:
        ticket.on_site_due = sla_service.appointment_end(day, window, calendar)
    lifecycle.record(db_session, ticket, SlaEventKind.appointment, actor=actor,
                     note=f"{day.isoformat()} {window}", now=now)
    if ticket.status != TicketStatus.scheduled:
        # The status change, its push and the milestones: the lifecycle's (commits).
        await lifecycle.set_status(db_session=db_session, ticket=ticket,
                                   status=TicketStatus.scheduled, note=note, actor=actor,
                                   notify=True)
        return ticket
    ticket.updated_at = now
    # A status push, status unchanged (scheduled -> scheduled), with the new time.
    lifecycle.push(db_session, ticket, lifecycle.status_push(
        ticket, TicketStatus.scheduled, TicketStatus.scheduled, note, now,
        await lifecycle.technician_of(db_session, ticket)), now)
    await sla_service.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: appointment moved", ticket.number)
    return ticket


def reminder_push(ticket: Ticket, *, now: datetime) -> AppointmentReminder:
    assert ticket.appointment_date is not None  # reminded: a ticket with its visit tomorrow
    return AppointmentReminder(**lifecycle.to_customer(ticket), ticket_type=ticket.type,
                               date=ticket.appointment_date,
                               window=ticket.appointment_window, occurred_at=now)


async def due_reminders(*, db_session: AsyncSession, today: date) -> list[str]:
    """Numbers of tickets whose appointment is tomorrow and whose customer was not reminded."""
    statement = (select(Ticket.number)
                 .where(Ticket.appointment_date == today + timedelta(days=1),
                        Ticket.appointment_reminded_at.is_(None),
                        Ticket.status.in_([str(s) for s in REMINDED_STATUSES]))
                 .order_by(Ticket.id))
    numbers = list((await db_session.execute(statement)).scalars())
    await db_session.commit()
    return numbers


async def remind(*, db_session: AsyncSession, number: str, today: date,
                 now: datetime) -> bool:
    """Queue the reminder of tomorrow's appointment, once: the ticket is locked and checked
    again, and `appointment_reminded_at` is set in the same transaction. Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number)
    if (ticket is None or ticket.appointment_reminded_at is not None
            or ticket.appointment_date != today + timedelta(days=1)
            or ticket.status not in REMINDED_STATUSES):
        await db_session.rollback()
        return False
    ticket.appointment_reminded_at = now
    lifecycle.push(db_session, ticket, reminder_push(ticket, now=now), now)
    await db_session.commit()
    log.info("ticket %s: appointment reminder queued", number)
    return True


# ---- the customer's answer (through the bot) ---------------------------------------------

async def _scheduled_for_customer(db_session: AsyncSession, channel: Channel | str,
                                  chat_id: str, number: str) -> Ticket | None:
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    if ticket.status != TicketStatus.scheduled or ticket.appointment_date is None:
        await lifecycle.refuse(db_session, NoAppointment(
            f"ticket {ticket.number} has no appointment to answer"))
    return ticket


async def confirm(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                  number: str) -> Ticket | None:
    """The customer confirms the appointment: `appointment_confirmed_at`, an
    `appointment_confirmed` event (not pushed: the bot answers). None if the ticket is not
    theirs; NoAppointment unless it is scheduled. Commits."""
    ticket = await _scheduled_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    assert ticket.appointment_date is not None  # `_scheduled_for_customer` refuses one without
    now = utcnow()
    ticket.appointment_confirmed_at, ticket.appointment_request = now, None
    lifecycle.record(db_session, ticket, SlaEventKind.appointment_confirmed, now=now, touch=True,
                     actor=lifecycle.customer_actor(channel, chat_id),
                     note=f"{ticket.appointment_date.isoformat()} {ticket.appointment_window}")
    await db_session.commit()
    log.info("ticket %s: appointment confirmed by the customer", ticket.number)
    return ticket


async def request_change(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                         number: str, requested: str) -> Ticket | None:
    """The customer asks for another time: `appointment_request` (what they asked for, for the
    dispatcher; cleared when staff schedule again) and an `appointment_change_requested`
    event; the appointment stands until staff move it. None if the ticket is not theirs;
    NoAppointment unless it is scheduled. Commits."""
    ticket = await _scheduled_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    now = utcnow()
    ticket.appointment_request, ticket.appointment_confirmed_at = requested, None
    lifecycle.record(db_session, ticket, SlaEventKind.appointment_change_requested, now=now,
                     touch=True, actor=lifecycle.customer_actor(channel, chat_id),
                     note=requested)
    await db_session.commit()
    log.info("ticket %s: the customer asks for another appointment time", ticket.number)
    return ticket
