"""Service levels: which policy a ticket gets, its due times, its milestones, its SLA state,
and the breaches the worker records.

Every ticket carries its due times (`first_response_due`, `on_site_due`, `resolution_due`),
computed when it is created and again when its priority changes, from the most specific
matching policy; when each milestone was met (`first_responded_at`, `on_site_at`,
`resolved_at`); and, for the staff list, the due time of its next pending milestone
(`sla_due_at`) and from when that one is nearly due (`sla_warn_at`; the SLA state read from
them: backend.tickets.due). `start_clocks` (through `ticket_created`), `priority_changed`,
`status_changed` and `staff_acted` are the ticket lifecycle's hooks (backend/wiring.py),
called inside its transactions; nothing here commits unless it says so.

Rules:
- first response: the first staff event after creation (a status change, a note, an
  assignment, an outlet or appointment decision);
- on site (repair, installation): status in_progress; an agreed appointment replaces the
  policy's limit with the end of its window;
- resolution: status resolved. While the customer is asked to accept the work, the resolution
  clock waits; the work counts as resolved when the technician finished it;
- a ticket that is not open (resolved, closed, cancelled) has no pending milestone; reopened,
  its resolution is pending again (against the same due time).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from backend.kernel import business_calendar as sla_calendar
from backend.kernel.pushes import StaffAlert
from backend.sla.enums import (
    MILESTONE_LABELS_ZH,
    NEARLY_DUE_LEFT,
    SLA_ACTOR,
    STAFF_ACTOR_PREFIX,
    AppointmentWindow,
    CustomerTier,
    Milestone,
    SlaEventKind,
)
from backend.sla.models import SlaBreach, SlaPolicy
from backend.tickets import escalation, lifecycle
from backend.tickets.enums import ON_SITE_TYPES, OPEN_STATUSES, TicketStatus
from backend.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

_OPEN = [str(status) for status in OPEN_STATUSES]

# Each milestone's due-time attribute of a ticket, and the one saying when it was met.
FIELDS: dict[Milestone, tuple[str, str]] = {
    Milestone.first_response: ("first_response_due", "first_responded_at"),
    Milestone.on_site: ("on_site_due", "on_site_at"),
    Milestone.resolution: ("resolution_due", "resolved_at"),
}


# ---- policies ---------------------------------------------------------------------------

async def find_policy(*, db_session: AsyncSession, ticket_type: str, priority: str,
                      customer_tier: str | None) -> SlaPolicy | None:
    """The most specific policy for this type: one naming the priority beats one for any
    priority; then one naming the customer's tier beats one for any tier."""
    statement = (
        select(SlaPolicy)
        .where(SlaPolicy.ticket_type == str(ticket_type),
               or_(SlaPolicy.priority == str(priority), SlaPolicy.priority.is_(None)),
               or_(SlaPolicy.customer_tier == str(customer_tier or CustomerTier.standard),
                   SlaPolicy.customer_tier.is_(None)))
        .order_by(SlaPolicy.priority.is_(None), SlaPolicy.customer_tier.is_(None), SlaPolicy.id)
        .limit(1)
    )
    return (await db_session.execute(statement)).scalar_one_or_none()


async def list_policies(*, db_session: AsyncSession) -> list[SlaPolicy]:
    statement = select(SlaPolicy).order_by(SlaPolicy.ticket_type, SlaPolicy.priority.is_(None),
                                           SlaPolicy.priority, SlaPolicy.customer_tier.is_(None),
                                           SlaPolicy.id)
    return list((await db_session.execute(statement)).scalars())


# ---- due times ----------------------------------------------------------------------------

def appointment_end(day: date, window: str, calendar: sla_calendar.BusinessCalendar) -> datetime:
    """When an appointment's window ends (local; the windows' hours: the calendar's)."""
    return calendar.window_end(day, str(AppointmentWindow(window)))


def _set_due_times(ticket: Ticket, policy: SlaPolicy | None,
                   calendar: sla_calendar.BusinessCalendar) -> None:
    ticket.sla_policy_id = policy.id if policy is not None else None
    if policy is None:
        ticket.first_response_due = ticket.on_site_due = ticket.resolution_due = None
        return

    def due(minutes: int) -> datetime:
        return sla_calendar.due(start=ticket.created_at, minutes=minutes,
                                business_hours_only=policy.business_hours_only,
                                calendar=calendar)

    ticket.first_response_due = due(policy.first_response_minutes)
    ticket.resolution_due = due(policy.resolution_minutes)
    if ticket.type not in ON_SITE_TYPES:
        ticket.on_site_due = None
    elif ticket.appointment_date is not None and ticket.appointment_window is not None:
        ticket.on_site_due = appointment_end(ticket.appointment_date, ticket.appointment_window,
                                             calendar)
    else:
        ticket.on_site_due = (due(policy.on_site_minutes)
                              if policy.on_site_minutes is not None else None)


def pending_milestones(ticket: Ticket) -> dict[Milestone, datetime]:
    """The milestones still to be met, with their due times."""
    if ticket.status not in OPEN_STATUSES:
        return {}
    pending = {}
    if ticket.first_response_due is not None and ticket.first_responded_at is None:
        pending[Milestone.first_response] = ticket.first_response_due
    if ticket.on_site_due is not None and ticket.on_site_at is None:
        pending[Milestone.on_site] = ticket.on_site_due
    if (ticket.resolution_due is not None and ticket.resolved_at is None
            and ticket.awaiting_acceptance_since is None):
        pending[Milestone.resolution] = ticket.resolution_due
    return pending


async def refresh(*, db_session: AsyncSession, ticket: Ticket,
                  calendar: sla_calendar.BusinessCalendar | None = None) -> None:
    """Point `sla_due_at` / `sla_warn_at` at the next pending milestone (NULL: none)."""
    pending = pending_milestones(ticket)
    if not pending:
        ticket.sla_due_at = ticket.sla_warn_at = None
        return
    due_at = min(pending.values())
    policy = (await db_session.get(SlaPolicy, ticket.sla_policy_id)
              if ticket.sla_policy_id is not None else None)
    ticket.sla_due_at = due_at
    ticket.sla_warn_at = sla_calendar.warning(
        start=ticket.created_at, due_at=due_at, left=NEARLY_DUE_LEFT,
        business_hours_only=bool(policy and policy.business_hours_only),
        calendar=calendar or sla_calendar.current(),
    )


async def ticket_created(*, db_session: AsyncSession, ticket: Ticket, customer: Any) -> None:
    """The lifecycle's `created` hook: `start_clocks` with the customer's tier."""
    await start_clocks(db_session=db_session, ticket=ticket, customer_tier=customer.tier)


async def start_clocks(*, db_session: AsyncSession, ticket: Ticket,
                       customer_tier: str | None) -> None:
    """A new ticket's due times (its `created_at` and type set). In the caller's transaction."""
    calendar = sla_calendar.current()
    policy = await find_policy(db_session=db_session, ticket_type=ticket.type,
                               priority=ticket.priority, customer_tier=customer_tier)
    _set_due_times(ticket, policy, calendar)
    await refresh(db_session=db_session, ticket=ticket, calendar=calendar)


async def priority_changed(*, db_session: AsyncSession, ticket: Ticket) -> None:
    """Due times again, from the creation, for the ticket's new priority (its customer
    loaded). Milestones already met stay met. In the caller's transaction."""
    await start_clocks(db_session=db_session, ticket=ticket, customer_tier=ticket.customer.tier)


def is_staff(actor: str) -> bool:
    return actor.startswith(STAFF_ACTOR_PREFIX)


async def staff_acted(*, db_session: AsyncSession, ticket: Ticket, now: datetime) -> None:
    """A staff event on the ticket: its first response, if it is the first."""
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    await refresh(db_session=db_session, ticket=ticket)


async def status_changed(*, db_session: AsyncSession, ticket: Ticket, status: TicketStatus,
                         actor: str, now: datetime) -> None:
    """The milestones a status change meets (the ticket's new status already set). In the
    caller's transaction."""
    if is_staff(actor) and ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if status == TicketStatus.in_progress and ticket.on_site_at is None:
        ticket.on_site_at = now
    if status == TicketStatus.resolved:
        # Accepted (or not answered in time): resolved when the technician finished.
        ticket.resolved_at = ticket.awaiting_acceptance_since or now
    elif status == TicketStatus.reopened:
        ticket.resolved_at = None
    if status != TicketStatus.in_progress:
        ticket.awaiting_acceptance_since = None
    await refresh(db_session=db_session, ticket=ticket)


# ---- what the worker does -----------------------------------------------------------------

async def record_first_responses(*, db_session: AsyncSession) -> int:
    """Meet the first-response milestone of open tickets from their record: staff events
    written elsewhere (an assignment, a note) count too. Commits; returns how many."""
    first_staff_event = (
        select(func.min(TicketEvent.created_at))
        .where(TicketEvent.ticket_id == Ticket.id,
               TicketEvent.actor.like(f"{STAFF_ACTOR_PREFIX}%"),
               TicketEvent.created_at >= Ticket.created_at)
        .scalar_subquery()
    )
    statement = (
        select(Ticket, first_staff_event)
        .where(Ticket.first_responded_at.is_(None), Ticket.first_response_due.is_not(None),
               Ticket.status.in_(_OPEN), first_staff_event.is_not(None))
        .with_for_update(skip_locked=True, of=Ticket)
    )
    found = 0
    for ticket, responded_at in (await db_session.execute(statement)).all():
        ticket.first_responded_at = responded_at
        await refresh(db_session=db_session, ticket=ticket)
        found += 1
    await db_session.commit()
    return found


def _unmet(milestone: Milestone, now: datetime) -> list[ColumnElement[bool]]:
    due_field, met_field = FIELDS[milestone]
    conditions = [getattr(Ticket, due_field) < now, getattr(Ticket, met_field).is_(None),
                  Ticket.status.in_(_OPEN)]
    if milestone == Milestone.resolution:
        conditions.append(Ticket.awaiting_acceptance_since.is_(None))
    return conditions


async def find_breaches(*, db_session: AsyncSession, now: datetime,
                        limit: int = 100) -> list[tuple[int, Milestone]]:
    """(ticket id, milestone) of milestones past due, unmet and not yet recorded as breached."""
    found: list[tuple[int, Milestone]] = []
    for milestone in Milestone:
        recorded = exists().where(SlaBreach.ticket_id == Ticket.id,
                                  SlaBreach.milestone == str(milestone))
        statement = (select(Ticket.id).where(*_unmet(milestone, now), ~recorded)
                     .order_by(Ticket.id).limit(limit))
        found += [(ticket_id, milestone)
                  for ticket_id in (await db_session.execute(statement)).scalars()]
    await db_session.commit()
    return found


@dataclass(frozen=True)
class Breach:
    ticket_number: str
    milestone: Milestone
    due_at: datetime
    event_id: str | None  # the staff alert's outbox event id (None: no alert chat)


def staff_alert(ticket: Ticket, milestone: Milestone, due_at: datetime, *, event_id: str,
                chat_id: str, now: datetime) -> StaffAlert:
    """The push telling the staff chat about a breach. Its text is in zh-Hans, the staff
    chat's language (the bot shows it as it is)."""
    local = due_at.astimezone(sla_calendar.current().timezone)
    place = f"，{ticket.city}{ticket.district or ''}" if ticket.city else ""
    text = (f"{MILESTONE_LABELS_ZH[milestone]}已超时（时限 {local:%m-%d %H:%M}，"
            f"优先级 {ticket.priority}{place}）")
    return escalation.alert_push(ticket, text, chat_id=chat_id, now=now, event_id=event_id,
                                 milestone=milestone, due_at=due_at)


async def record_breach(*, db_session: AsyncSession, ticket_id: int, milestone: Milestone,
                        now: datetime, alert_chat_id: str | None) -> Breach | None:
    """Record that the milestone was breached: a breach row, the ticket's `sla_breached_at`
    (its first breach), an `sla_breached` event and, with `alert_chat_id`, a staff alert in
    the outbox; once per milestone (None if it was recorded already, or is no longer due, or
    the ticket is busy elsewhere). Commits."""
    ticket = await lifecycle.lock(db_session=db_session, ticket_id=ticket_id,
                                  where=_unmet(milestone, now), skip_locked=True)
    already = (await db_session.execute(
        select(SlaBreach.id).where(SlaBreach.ticket_id == ticket_id,
                                   SlaBreach.milestone == str(milestone))
    )).scalar_one_or_none()
    if ticket is None or already is not None:
        await db_session.rollback()
        return None
    due_at = getattr(ticket, FIELDS[milestone][0])
    db_session.add(SlaBreach(ticket_id=ticket.id, milestone=str(milestone), due_at=due_at,
                             breached_at=now))
    if ticket.sla_breached_at is None:
        ticket.sla_breached_at, ticket.sla_breached_milestone = now, str(milestone)
    lifecycle.record(db_session, ticket, SlaEventKind.sla_breached, actor=SLA_ACTOR, now=now,
                     note=f"{milestone} was due {due_at.isoformat()}")
    event_id = None
    if alert_chat_id:
        event_id = str(uuid.uuid4())
        lifecycle.push(db_session, ticket, staff_alert(ticket, milestone, due_at,
                                                       event_id=event_id,
                                                       chat_id=alert_chat_id, now=now), now)
    number = ticket.number
    await db_session.commit()
    log.warning("ticket %s: SLA %s breached (due %s)", number, milestone, due_at.isoformat())
    return Breach(ticket_number=number, milestone=milestone, due_at=due_at, event_id=event_id)


async def list_breaches(*, db_session: AsyncSession, open_only: bool = True,
                        limit: int = 100, offset: int = 0) -> tuple[list[SlaBreach], int]:
    """Breaches, newest first, with their tickets. `open_only`: those whose ticket is open and
    whose milestone is still unmet (what needs someone now)."""
    conditions = []
    if open_only:
        still_unmet = or_(*(and_(SlaBreach.milestone == str(milestone),
                                 getattr(Ticket, met_field).is_(None))
                            for milestone, (_, met_field) in FIELDS.items()))
        conditions = [Ticket.status.in_(_OPEN), still_unmet]
    base = select(SlaBreach).join(Ticket, Ticket.id == SlaBreach.ticket_id).where(*conditions)
    total = (await db_session.execute(
        select(func.count()).select_from(base.subquery())
    )).scalar_one()
    statement = (base.options(contains_eager(SlaBreach.ticket))
                 .order_by(SlaBreach.breached_at.desc(), SlaBreach.id.desc())
                 .limit(limit).offset(offset))
    return list((await db_session.execute(statement)).scalars()), total
