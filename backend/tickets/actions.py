"""What staff and customers do to a ticket: change its status, assign, note, reply, escalate
(staff); cancel, chase up, give feedback (customers, through the bot). Each is one transaction
built from the lifecycle (lock, check, change, record, push, commit)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.kernel.database import utcnow
from backend.kernel.pushes import TicketReply
from backend.products import tickets as product_tickets
from backend.staff.models import Staff
from backend.tickets import escalation, lifecycle
from backend.tickets.enums import (
    EXPEDITED_PRIORITY,
    NOTIFY_STATUSES,
    ON_SITE_TYPES,
    PRIORITY_ORDER,
    RESPONSE_HOURS,
    CancelReason,
    EscalationTarget,
    EventKind,
    FeedbackKind,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from backend.tickets.errors import NoProduct, NotOfThatTeam, OverrideReasonMissing
from backend.tickets.models import Ticket
from backend.tickets.service import get_for_customer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpediteResult:
    ticket: Ticket
    priority_raised: bool
    act_within_hours: int


# ---- staff ------------------------------------------------------------------------------------

async def change_status(*, db_session: AsyncSession, number: str, status: TicketStatus,
                        note: str | None, actor: str, assignee_id: int | None = None,
                        notify: bool = True, override_reason: str | None = None) -> Ticket | None:
    """Move the ticket to `status` (staff): the status, a `status_changed` event and (for changes
    the customer hears about, unless `notify` is off) an outbox message, in one transaction.
    Resolving a repair or installation (whose resolution is the customer's confirmation of its
    service record) needs `override_reason`, kept as a `resolution_override` event.
    None if there is no such ticket (with `assignee_id`: none assigned to that staff member);
    TransitionNotAllowed if the table of transitions forbids it; OverrideReasonMissing.
    Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    if status == TicketStatus.resolved and ticket.type in ON_SITE_TYPES:
        if not override_reason:
            await lifecycle.refuse(db_session, OverrideReasonMissing(
                "a repair or installation is resolved by the customer's confirmation of its "
                "service record: resolving it without, give an override_reason"))
        lifecycle.record(db_session, ticket, EventKind.resolution_override, actor=actor,
                         note=override_reason, now=utcnow())
    await lifecycle.set_status(db_session=db_session, ticket=ticket, status=status, note=note,
                               actor=actor, notify=notify and status in NOTIFY_STATUSES)
    return ticket


async def assign(*, db_session: AsyncSession, number: str, assignee: Staff,
                 actor: str) -> Ticket | None:
    """Give an open ticket to `assignee`: an `assigned` event, and a new ticket moves to
    `assigned` (its status change and outbox message in the same transaction). Assigning it
    to whom it is assigned already changes nothing. None if there is no such ticket;
    ActionNotAllowed unless it is open. Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.require_open(db_session, ticket, "a {status} ticket cannot be assigned")
    await _give_to(db_session=db_session, ticket=ticket, assignee=assignee, actor=actor)
    return ticket


async def _give_to(*, db_session: AsyncSession, ticket: Ticket, assignee: Staff,
                   actor: str) -> None:
    """Assign the open, locked ticket to `assignee` (nothing if it is theirs already): an
    `assigned` event, and a new ticket moves to `assigned` with its push. Commits."""
    if ticket.assignee_id == assignee.id:
        await db_session.commit()
        return
    previous = (await db_session.get(Staff, ticket.assignee_id)
                if ticket.assignee_id is not None else None)
    now = utcnow()
    ticket.assignee_id = assignee.id
    note = f"to {assignee.username}" + (f" (was {previous.username})" if previous else "")
    lifecycle.record(db_session, ticket, EventKind.assigned, actor=actor, note=note, now=now,
                     touch=True)
    if ticket.status == TicketStatus.new:
        await lifecycle.set_status(db_session=db_session, ticket=ticket,
                                   status=TicketStatus.assigned, note=None, actor=actor,
                                   notify=True)  # commits
    else:
        await db_session.commit()
    log.info("ticket %s assigned to %s", ticket.number, assignee.username)


async def add_note(*, db_session: AsyncSession, number: str, text: str, actor: str,
                   assignee_id: int | None = None) -> Ticket | None:
    """An internal note on the ticket (any status): an `internal_note` event for staff, never
    shown or pushed to the customer. None if there is no such ticket (with `assignee_id`:
    none assigned to that staff member). Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    lifecycle.record(db_session, ticket, EventKind.internal_note, actor=actor, note=text,
                     now=utcnow(), touch=True)
    await db_session.commit()
    log.info("ticket %s: internal note added", ticket.number)
    return ticket


async def confirm_product(*, db_session: AsyncSession, number: str, model: str | None,
                          serial: str | None, actor: str,
                          assignee_id: int | None = None) -> Ticket | None:
    """The technician's reading of the appliance's nameplate on a repair or installation: the
    customer's product updated, or registered (backend/products/tickets.py), and a
    `product_confirmed` event. None if there is no such ticket (with `assignee_id`: none
    assigned to that staff member); NoProduct if it names no appliance we register. Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    if ticket.type not in (TicketType.repair, TicketType.installation):
        await lifecycle.refuse(db_session, NoProduct(
            "only a repair or an installation is about an appliance on site"))
    product = await product_tickets.confirm_on_site(db_session=db_session, ticket=ticket,
                                                    model=model, serial=serial)
    if product is None:
        await lifecycle.refuse(db_session, NoProduct(
            "this ticket names no appliance that can be registered"))
    said = ", ".join(name for name, value in (("model", model), ("serial", serial)) if value)
    lifecycle.record(db_session, ticket, EventKind.product_confirmed, actor=actor, note=said,
                     now=utcnow(), touch=True)
    await db_session.commit()
    log.info("ticket %s: product %s confirmed on site", ticket.number, said)
    return ticket


async def reply_to_customer(*, db_session: AsyncSession, number: str, text: str, actor: str,
                            display_name: str, assignee_id: int | None = None) -> Ticket | None:
    """A message from staff to the ticket's customer outside a live conversation: a
    `staff_reply` event with the text, and a `ticket_reply` push to the chat the ticket came
    from, in one transaction (any status: a closed ticket may still need a word). None if
    there is no such ticket (with `assignee_id`: none assigned to that staff member).
    Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    now = utcnow()
    lifecycle.record(db_session, ticket, EventKind.staff_reply, actor=actor, note=text, now=now,
                     touch=True)
    lifecycle.push(db_session, ticket, TicketReply(**lifecycle.to_customer(ticket),
                                                   staff=display_name, text=text,
                                                   occurred_at=now), now)
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: staff replied to the customer", ticket.number)
    return ticket


async def escalate(*, db_session: AsyncSession, number: str, target: EscalationTarget,
                   assignee: Staff | None, reason: str, actor: str, alert_chat_id: str | None,
                   assignee_id: int | None = None) -> Ticket | None:
    """Escalate an open ticket to a team (`target`, a staff role) with the reason: its
    `escalated_to`, an `escalated` event, and, naming a person of that team, the ticket
    assigned to them (a technician must be named: technicians see only their own tickets).
    Escalated to the supervisors, their chat is alerted. None if there is no such ticket
    (with `assignee_id`: none assigned to that staff member); NotOfThatTeam;
    ActionNotAllowed unless it is open. Commits."""
    if assignee is not None and (assignee.role != str(target) or not assignee.active):
        raise NotOfThatTeam(f"{assignee.username} is no active {target}")
    if assignee is None and target == EscalationTarget.technician:
        raise NotOfThatTeam("name the technician: technicians see only their own tickets")
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.require_open(db_session, ticket, "a {status} ticket cannot be escalated")
    now = utcnow()
    ticket.escalated_to, ticket.escalated_at = str(target), now
    who = str(target) + (f" ({assignee.username})" if assignee else "")
    lifecycle.record(db_session, ticket, EventKind.escalated, actor=actor,
                     note=f"to {who}: {reason}", now=now, touch=True)
    if target == EscalationTarget.supervisor:
        escalation.alert(db_session=db_session, ticket=ticket, chat_id=alert_chat_id, now=now,
                         text=escalation.escalation_text(target, assignee, reason))
    log.info("ticket %s escalated to %s", ticket.number, target)
    if assignee is not None:
        await _give_to(db_session=db_session, ticket=ticket, assignee=assignee, actor=actor)
    else:
        await db_session.commit()
    return ticket


# ---- what a customer does to their own ticket (through the bot) ---------------------------
# The bot answers the customer itself, so these changes are not pushed back to the chat.

async def cancel_by_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                             number: str, reason: CancelReason) -> Ticket | None:
    """The customer cancels their ticket. None if it is not theirs; TransitionNotAllowed if it
    is past cancelling (resolved, closed, cancelled). Commits."""
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.set_status(db_session=db_session, ticket=ticket,
                               status=TicketStatus.cancelled, note=f"reason: {reason}",
                               actor=lifecycle.customer_actor(channel, chat_id), notify=False)
    return ticket


async def expedite(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                   number: str) -> ExpediteResult | None:
    """The customer chases their open ticket up: it is lifted to at least high priority and
    the reminder goes into the record. None if it is not theirs; ActionNotAllowed if it is no
    longer open. Commits."""
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.require_open(db_session, ticket, "a {status} ticket cannot be chased up")
    current = TicketPriority(ticket.priority)
    raised = PRIORITY_ORDER.index(current) < PRIORITY_ORDER.index(EXPEDITED_PRIORITY)
    now = utcnow()
    if raised:
        ticket.priority = EXPEDITED_PRIORITY
        await lifecycle.priority_changed(db_session=db_session, ticket=ticket)
    lifecycle.record(db_session, ticket, EventKind.expedited,
                     actor=lifecycle.customer_actor(channel, chat_id), now=now, touch=True,
                     note=f"priority {current} -> {EXPEDITED_PRIORITY}" if raised else None)
    await db_session.commit()
    log.info("ticket %s chased up by the customer (priority raised: %s)", ticket.number, raised)
    return ExpediteResult(ticket=ticket, priority_raised=raised,
                          act_within_hours=RESPONSE_HOURS[TicketPriority(ticket.priority)])


async def record_feedback(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                          number: str, kind: FeedbackKind, text: str | None) -> Ticket | None:
    """The customer's praise or comment on their ticket, kept in its record (any status; the
    ticket is neither locked nor touched). None if it is not theirs. Commits."""
    ticket = await get_for_customer(db_session=db_session, channel=channel, chat_id=chat_id,
                                    number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    lifecycle.record(db_session, ticket, EventKind.feedback,
                     actor=lifecycle.customer_actor(channel, chat_id),
                     note=f"{kind}: {text}" if text else str(kind))
    await db_session.commit()
    log.info("ticket %s: %s feedback recorded", ticket.number, kind)
    return ticket
