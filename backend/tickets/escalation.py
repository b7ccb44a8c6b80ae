"""Escalation: who a ticket goes up to, and how supervisors hear about it.

Complaints go to supervisors by rule: on creation a complaint is assigned to the active
supervisor with the fewest open complaints (ties: the longest-standing account) and marked
escalated to the supervisors. Staff escalate any open ticket from the ticket page
(`backend.tickets.actions.escalate`). Either way the supervisors' chat
(`settings.staff_alert_chat_id`, the one that gets SLA breach alerts and survey alerts) gets a
`staff_alert` push. Nothing here commits: the caller's transaction carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.pushes import StaffAlert
from backend.staff.enums import Role
from backend.staff.models import Staff
from backend.tickets import lifecycle
from backend.tickets.enums import (
    ESCALATION_TARGETS_ZH,
    OPEN_STATUSES,
    ROUTING_ACTOR,
    EscalationTarget,
    EventKind,
    TicketStatus,
    TicketType,
)
from backend.tickets.models import Ticket

# Staff alerts (escalations, SLA breaches, surveys) go to one staff chat
# (settings.staff_alert_chat_id) on Telegram, in zh-Hans.
STAFF_ALERT_CHANNEL = "telegram"
STAFF_ALERT_LANGUAGE = "zh-Hans"


def alert_push(ticket: Ticket, text: str, *, chat_id: str, now: datetime,
               **fields: Any) -> StaffAlert:
    """A `staff_alert` push about the ticket to the staff chat (its text in zh-Hans, the staff
    chat's language; the bot shows it as it is; `fields`: an SLA breach's milestone and due
    time, its event id). No personal data goes into it."""
    return StaffAlert(ticket_number=ticket.number, channel=STAFF_ALERT_CHANNEL,
                      chat_id=chat_id, language=STAFF_ALERT_LANGUAGE, text=text,
                      occurred_at=now, **fields)


def alert(*, db_session: AsyncSession, ticket: Ticket, text: str, chat_id: str | None,
          now: datetime) -> None:
    """Queue a staff alert about the ticket (its id known), if there is a staff chat."""
    if chat_id:
        lifecycle.push(db_session, ticket, alert_push(ticket, text, chat_id=chat_id, now=now),
                       now)


def escalation_text(target: EscalationTarget, assignee: Staff | None, reason: str) -> str:
    who = ESCALATION_TARGETS_ZH[target] + (f" {assignee.username}" if assignee else "")
    return f"工单升级给{who}：{reason}"


async def least_busy_supervisor(*, db_session: AsyncSession) -> Staff | None:
    """The active supervisor with the fewest open complaints assigned (ties: the oldest
    account), or None if there is none."""
    open_complaints = (
        select(func.count(Ticket.id))
        .where(Ticket.assignee_id == Staff.id, Ticket.type == str(TicketType.complaint),
               Ticket.status.in_([str(s) for s in OPEN_STATUSES]))
        .correlate(Staff).scalar_subquery()
    )
    statement = (select(Staff)
                 .where(and_(Staff.role == str(Role.supervisor), Staff.active.is_(True)))
                 .order_by(open_complaints, Staff.id).limit(1))
    return (await db_session.execute(statement)).scalar_one_or_none()


async def route_complaint(*, db_session: AsyncSession, ticket: Ticket, now: datetime,
                          alert_chat_id: str | None) -> Staff | None:
    """A new complaint (flushed: its id known) goes to the supervisors: escalated to them,
    assigned to the least busy one (status `assigned`; not pushed, the bot's confirmation
    says who answers and when), and the supervisors' chat alerted. Returns the supervisor."""
    supervisor = await least_busy_supervisor(db_session=db_session)
    ticket.escalated_to, ticket.escalated_at = str(EscalationTarget.supervisor), now
    lifecycle.record(db_session, ticket, EventKind.escalated, actor=ROUTING_ACTOR,
                     note="complaint → supervisor", now=now)
    if supervisor is not None:
        ticket.assignee_id = supervisor.id
        lifecycle.record(db_session, ticket, EventKind.assigned, actor=ROUTING_ACTOR,
                         note=f"to {supervisor.username}", now=now)
        # Not pushed: the bot's confirmation says who answers and when.
        await lifecycle.write_status(db_session=db_session, ticket=ticket,
                                     status=TicketStatus.assigned, note=None,
                                     actor=ROUTING_ACTOR, now=now, notify=False)
    who = f"，已交主管 {supervisor.username}" if supervisor else "，暂无在岗主管，请尽快认领"
    alert(db_session=db_session, ticket=ticket, chat_id=alert_chat_id, now=now,
          text=f"新投诉（优先级 {ticket.priority}）{who}")
    return supervisor
