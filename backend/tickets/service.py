"""Tickets: create (idempotent), read (customer and staff views), change status, assign.

A status change, its event and its outbox message are written in one transaction: either the
customer will hear about the change, or it did not happen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.customers import service as customer_service
from backend.customers.enums import Channel
from backend.database import utcnow
from backend.notifications import service as notification_service
from backend.outlets import service as outlet_service
from backend.sla import service as sla_service
from backend.sla.enums import SlaState
from backend.staff.models import Staff
from backend.surveys import service as survey_service
from backend.tickets import escalation, numbers
from backend.tickets.enums import (
    DEFAULT_PRIORITY,
    EXPEDITED_PRIORITY,
    NOTIFY_STATUSES,
    OPEN_STATUSES,
    PRIORITY_ORDER,
    RESPONSE_HOURS,
    TRANSITIONS,
    CancelReason,
    EscalationTarget,
    EventKind,
    FeedbackKind,
    PushKind,
    TicketPriority,
    TicketStatus,
    TicketType,
    can_transition,
)
from backend.tickets.models import Ticket, TicketEvent
from backend.tickets.schemas import TicketCreate

log = logging.getLogger(__name__)


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


class ActionNotAllowed(Exception):
    """The ticket's status forbids this (the message says why)."""


class TransitionNotAllowed(ActionNotAllowed):
    def __init__(self, current: TicketStatus, requested: TicketStatus) -> None:
        self.current, self.requested = current, requested
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is final)"
        super().__init__(f"a ticket cannot go from {current} to {requested}; "
                         f"from {current} it may go to: {allowed}")


@dataclass(frozen=True)
class CreateResult:
    ticket: Ticket
    created: bool  # False: an earlier request with the same key made it (a replay)


@dataclass(frozen=True)
class ExpediteResult:
    ticket: Ticket
    priority_raised: bool
    act_within_hours: int


def fingerprint(data: TicketCreate) -> str:
    """A digest of the create request, to tell a replay from a different request."""
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def customer_actor(channel: str, chat_id: str) -> str:
    return f"customer:{channel}:{chat_id}"


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
            customer_id=customer.id, channel=data.customer.channel,
            chat_id=data.customer.chat_id, language=customer.language,
            idempotency_key=idempotency_key, request_fingerprint=request_fingerprint,
            created_at=now, updated_at=now,
            events=[TicketEvent(
                kind=EventKind.created, to_status=TicketStatus.new,
                actor=customer_actor(data.customer.channel, data.customer.chat_id),
                created_at=now,
            )],
        )
        if ticket.type == TicketType.complaint and not ticket.product:
            ticket.product = await _product_of_related(db_session, customer.id, data.details)
        await outlet_service.propose(db_session=db_session, ticket=ticket)
        await sla_service.start_clocks(db_session=db_session, ticket=ticket,
                                       customer_tier=customer.tier)
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
    canonical = numbers.normalise_ticket_number(number)
    if canonical is None:
        return None
    statement = select(Ticket).where(Ticket.number == canonical)
    if assignee_id is not None:
        statement = statement.where(Ticket.assignee_id == assignee_id)
    if with_events:
        statement = statement.options(
            selectinload(Ticket.events), selectinload(Ticket.customer),
            selectinload(Ticket.assignee),
        ).execution_options(populate_existing=True)
    return (await db_session.execute(statement)).scalar_one_or_none()


async def get_for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                           number: str) -> Ticket | None:
    """The ticket if it belongs to the customer behind this chat; None otherwise (whether it
    does not exist or is someone else's: the caller cannot tell)."""
    canonical = numbers.normalise_ticket_number(number)
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
        conditions.append(sla_service.state_condition(sla_state, now=utcnow()))
    order = sla_service.due_order() if by_due else (Ticket.created_at.desc(), Ticket.id.desc())
    total = (await db_session.execute(
        select(func.count()).select_from(Ticket).where(*conditions)
    )).scalar_one()
    statement = (select(Ticket).where(*conditions).options(selectinload(Ticket.assignee))
                 .order_by(*order).limit(limit).offset(offset))
    return list((await db_session.execute(statement)).scalars()), total


async def change_status(*, db_session: AsyncSession, number: str, status: TicketStatus,
                        note: str | None, actor: str, assignee_id: int | None = None,
                        notify: bool = True) -> Ticket | None:
    """Move the ticket to `status` (staff): the status, a `status_changed` event and (for changes
    the customer hears about, unless `notify` is off) an outbox message, in one transaction.
    None if there is no such ticket (with `assignee_id`: none assigned to that staff member);
    TransitionNotAllowed if the table of transitions forbids it. Commits."""
    ticket = await sla_service.lock_ticket(db_session=db_session, number=number,
                                           assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    await _set_status(db_session=db_session, ticket=ticket, status=status, note=note,
                      actor=actor, notify=notify and status in NOTIFY_STATUSES)
    return ticket


async def assign(*, db_session: AsyncSession, number: str, assignee: Staff,
                 actor: str) -> Ticket | None:
    """Give an open ticket to `assignee`: an `assigned` event, and a new ticket moves to
    `assigned` (its status change and outbox message in the same transaction). Assigning it
    to whom it is assigned already changes nothing. None if there is no such ticket;
    ActionNotAllowed unless it is open. Commits."""
    ticket = await sla_service.lock_ticket(db_session=db_session, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    status = TicketStatus(ticket.status)
    if status not in OPEN_STATUSES:
        await db_session.rollback()
        raise ActionNotAllowed(f"a {status} ticket cannot be assigned")
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
    ticket.assignee_id, ticket.updated_at = assignee.id, now
    note = f"to {assignee.username}" + (f" (was {previous.username})" if previous else "")
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.assigned, actor=actor,
                               note=note, created_at=now))
    if ticket.status == TicketStatus.new:
        await _set_status(db_session=db_session, ticket=ticket, status=TicketStatus.assigned,
                          note=None, actor=actor, notify=True)  # commits
    else:
        await db_session.commit()
    log.info("ticket %s assigned to %s", ticket.number, assignee.username)


# ---- the staff's work on the ticket page -------------------------------------------------

async def add_note(*, db_session: AsyncSession, number: str, text: str, actor: str,
                   assignee_id: int | None = None) -> Ticket | None:
    """An internal note on the ticket (any status): an `internal_note` event for staff, never
    shown or pushed to the customer. None if there is no such ticket (with `assignee_id`:
    none assigned to that staff member). Commits."""
    ticket = await sla_service.lock_ticket(db_session=db_session, number=number,
                                           assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    now = utcnow()
    ticket.updated_at = now
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.internal_note, actor=actor,
                               note=text, created_at=now))
    await db_session.commit()
    log.info("ticket %s: internal note added", ticket.number)
    return ticket


async def reply_to_customer(*, db_session: AsyncSession, number: str, text: str, actor: str,
                            display_name: str, assignee_id: int | None = None) -> Ticket | None:
    """A message from staff to the ticket's customer outside a live conversation: a
    `staff_reply` event with the text, and a `ticket_reply` push to the chat the ticket came
    from, in one transaction (any status: a closed ticket may still need a word). None if
    there is no such ticket (with `assignee_id`: none assigned to that staff member).
    Commits."""
    ticket = await sla_service.lock_ticket(db_session=db_session, number=number,
                                           assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    now = utcnow()
    ticket.updated_at = now
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.staff_reply, actor=actor,
                               note=text, created_at=now))
    notification_service.enqueue(db_session=db_session, ticket_id=ticket.id, now=now, payload={
        "event_id": str(uuid.uuid4()),
        "kind": str(PushKind.ticket_reply),
        "ticket_number": ticket.number,
        "staff": display_name,
        "text": text,
        "channel": ticket.channel,
        "chat_id": ticket.chat_id,
        "language": ticket.customer.language or ticket.language,
        "occurred_at": now.isoformat(),
    })
    await sla_service.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: staff replied to the customer", ticket.number)
    return ticket


class NotOfThatTeam(ValueError):
    """The person named for an escalation is not an active member of the team."""


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
    ticket = await sla_service.lock_ticket(db_session=db_session, number=number,
                                           assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    status = TicketStatus(ticket.status)
    if status not in OPEN_STATUSES:
        await db_session.rollback()
        raise ActionNotAllowed(f"a {status} ticket cannot be escalated")
    now = utcnow()
    ticket.escalated_to, ticket.escalated_at, ticket.updated_at = str(target), now, now
    who = str(target) + (f" ({assignee.username})" if assignee else "")
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.escalated, actor=actor,
                               note=f"to {who}: {reason}", created_at=now))
    if target == EscalationTarget.supervisor:
        escalation.alert(db_session=db_session, ticket=ticket, chat_id=alert_chat_id, now=now,
                         text=escalation.escalation_text(target, assignee, reason))
    log.info("ticket %s escalated to %s", ticket.number, target)
    if assignee is not None:
        await _give_to(db_session=db_session, ticket=ticket, assignee=assignee, actor=actor)
    else:
        await db_session.commit()
    return ticket


def appointment_of(ticket: Ticket) -> dict[str, str] | None:
    """The ticket's appointment as status pushes carry it: {"date", "window"}, or None."""
    if ticket.appointment_date is None:
        return None
    return {"date": ticket.appointment_date.isoformat(), "window": ticket.appointment_window}


async def _set_status(*, db_session: AsyncSession, ticket: Ticket, status: TicketStatus,
                      note: str | None, actor: str, notify: bool) -> None:
    """Check the transition, write status + event (+ outbox message if `notify`), commit."""
    current = TicketStatus(ticket.status)
    if not can_transition(current, status):
        await db_session.rollback()
        raise TransitionNotAllowed(current, status)
    now = utcnow()
    ticket.status, ticket.updated_at = status, now
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.status_changed,
                               from_status=current, to_status=status, actor=actor, note=note,
                               created_at=now))
    await sla_service.status_changed(db_session=db_session, ticket=ticket, status=status,
                                     actor=actor, now=now)
    if notify:
        payload = {
            "event_id": str(uuid.uuid4()),
            "ticket_number": ticket.number,
            "ticket_type": ticket.type,
            "status": str(status),
            "previous_status": str(current),
            "note": note,
            "channel": ticket.channel,
            "chat_id": ticket.chat_id,
            "language": ticket.customer.language or ticket.language,
            "occurred_at": now.isoformat(),
        }
        if status == TicketStatus.scheduled and ticket.appointment_date is not None:
            payload["appointment"] = appointment_of(ticket)  # the customer confirms or not
        notification_service.enqueue(db_session=db_session, ticket_id=ticket.id,
                                     payload=payload, now=now)
    await survey_service.ticket_status_changed(db_session=db_session, ticket=ticket,
                                               status=status, now=now)
    await db_session.commit()
    log.info("ticket %s: %s -> %s", ticket.number, current, status)


# ---- what a customer does to their own ticket (through the bot) ---------------------------
# The bot answers the customer itself, so these changes are not pushed back to the chat.

async def cancel_by_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                             number: str, reason: CancelReason) -> Ticket | None:
    """The customer cancels their ticket. None if it is not theirs; TransitionNotAllowed if it
    is past cancelling (resolved, closed, cancelled). Commits."""
    ticket = await sla_service.lock_customer_ticket(db_session=db_session, channel=channel,
                                                    chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await _set_status(db_session=db_session, ticket=ticket, status=TicketStatus.cancelled,
                      note=f"reason: {reason}", actor=customer_actor(channel, chat_id),
                      notify=False)
    return ticket


async def expedite(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                   number: str) -> ExpediteResult | None:
    """The customer chases their open ticket up: it is lifted to at least high priority and
    the reminder goes into the record. None if it is not theirs; ActionNotAllowed if it is no
    longer open. Commits."""
    ticket = await sla_service.lock_customer_ticket(db_session=db_session, channel=channel,
                                                    chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    status = TicketStatus(ticket.status)
    if status not in OPEN_STATUSES:
        await db_session.rollback()
        raise ActionNotAllowed(f"a {status} ticket cannot be chased up")
    current = TicketPriority(ticket.priority)
    raised = PRIORITY_ORDER.index(current) < PRIORITY_ORDER.index(EXPEDITED_PRIORITY)
    now = utcnow()
    if raised:
        ticket.priority = EXPEDITED_PRIORITY
        await sla_service.priority_changed(db_session=db_session, ticket=ticket)
    ticket.updated_at = now
    db_session.add(TicketEvent(
        ticket_id=ticket.id, kind=EventKind.expedited, actor=customer_actor(channel, chat_id),
        note=f"priority {current} -> {EXPEDITED_PRIORITY}" if raised else None, created_at=now,
    ))
    await db_session.commit()
    log.info("ticket %s chased up by the customer (priority raised: %s)", ticket.number, raised)
    return ExpediteResult(ticket=ticket, priority_raised=raised,
                          act_within_hours=RESPONSE_HOURS[TicketPriority(ticket.priority)])


async def record_feedback(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                          number: str, kind: FeedbackKind, text: str | None) -> Ticket | None:
    """The customer's praise or comment on their ticket, kept in its record (any status).
    None if it is not theirs. Commits."""
    ticket = await get_for_customer(db_session=db_session, channel=channel, chat_id=chat_id,
                                    number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    db_session.add(TicketEvent(ticket_id=ticket.id, kind=EventKind.feedback,
                               actor=customer_actor(channel, chat_id),
                               note=f"{kind}: {text}" if text else str(kind)))
    await db_session.commit()
    log.info("ticket %s: %s feedback recorded", ticket.number, kind)
    return ticket
