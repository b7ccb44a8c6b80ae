"""Service-level policies, and the breaches the SLA worker found.

A ticket's own clocks (due times, milestones met, the next due time, appointment, acceptance)
are columns of `tickets` (backend/tickets/models.py), set by this package's service.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.database import Base, UTCDateTime, utcnow
from backend.tickets.models import Ticket


class SlaPolicy(Base):
    """The time limits of tickets of one type (and priority, and customer tier: NULL = any).
    A ticket gets the most specific policy that matches it (backend.sla.service.find_policy)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_type: Mapped[str] = mapped_column(String(24), index=True)
    priority: Mapped[str | None] = mapped_column(String(8))
    customer_tier: Mapped[str | None] = mapped_column(String(16))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    # Only for types a technician goes out for (repair, installation).
    on_site_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    # Count only business hours (settings.business_hours, business_days), else the clock.
    business_hours_only: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SlaBreach(Base):
    """A milestone of a ticket that passed its due time unmet; at most one per milestone."""

    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    milestone: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    ticket: Mapped[Ticket] = relationship()
