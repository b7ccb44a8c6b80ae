"""Where a ticket stands against its next pending milestone: its SLA state, read from the due
time columns backend.sla keeps up (`sla_due_at`, `sla_warn_at`); the staff list filters and
sorts on them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_

from backend.tickets.enums import SlaState
from backend.tickets.models import Ticket

if TYPE_CHECKING:
    from sqlalchemy import ColumnExpressionArgument


def state_condition(state: SlaState, *, now: datetime) -> ColumnElement[bool]:
    """Tickets in this SLA state now (only tickets with a pending milestone have one)."""
    if state == SlaState.overdue:
        return Ticket.sla_due_at < now
    if state == SlaState.nearly_due:
        return and_(Ticket.sla_warn_at <= now, Ticket.sla_due_at >= now)
    return Ticket.sla_warn_at > now


def state_of(ticket: Any, *, now: datetime) -> SlaState | None:
    """The SLA state of a ticket (or anything with `sla_due_at`, `sla_warn_at`)."""
    if ticket.sla_due_at is None:
        return None
    if ticket.sla_due_at < now:
        return SlaState.overdue
    if ticket.sla_warn_at is not None and ticket.sla_warn_at <= now:
        return SlaState.nearly_due
    return SlaState.on_track


def due_order() -> tuple[ColumnExpressionArgument[Any], ...]:
    """Soonest next due time first; tickets without one last."""
    return (Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.id)
