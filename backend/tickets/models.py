"""Tickets, their service record (events), and the daily number counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.customers.models import Customer
from backend.kernel.crypto import EncryptedJSON, EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow
from backend.products.models import CustomerProduct
from backend.staff.models import Staff


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[str] = mapped_column(String(8))
    # Canonical product name (statistics group by it): plain.
    product: Mapped[str | None] = mapped_column(String(100))
    # Personal data and the customer's own words (which may hold it: "我住…，电话…") are
    # encrypted at rest (docs/privacy.md). The fault, complaint or return reason as told:
    description: Mapped[str] = mapped_column(EncryptedString)
    # A code the bot extracts (E4, F1): plain.
    error_code: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    address: Mapped[str | None] = mapped_column(EncryptedString)
    # When the customer is at home.
    preferred_time: Mapped[str | None] = mapped_column(EncryptedString)
    # Type-specific details a form collected (delivered?, return or exchange, order number, what
    # a complaining customer wants ...).
    details: Mapped[dict] = mapped_column(EncryptedJSON, default=dict)
    # Photos and files the customer sent: [{"kind", "file_id", "channel"}].
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    # The staff member working on it (a technician sees only the tickets assigned to them).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    # The chat the ticket came from: where its status pushes go.
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # sha256 of the create request, to tell a replay from a different request with the same key.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # ---- dispatch and service levels: set by backend/outlets and backend/sla -----------------
    # City and district of the address, plaintext (coarse; dispatch and statistics need them,
    # the address stays encrypted); the outlet covering them; the one staff confirmed.
    city: Mapped[str | None] = mapped_column(String(50))
    district: Mapped[str | None] = mapped_column(String(50))
    proposed_outlet_id: Mapped[int | None] = mapped_column(
        ForeignKey("outlets.id", ondelete="SET NULL"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"),
                                                  index=True)
    # The SLA policy applied, each milestone's due time and when it was met.
    sla_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL"))
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The next pending milestone's due time, and from when it is nearly due (NULL: none).
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first breach (all of them: sla_breaches).
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached_milestone: Mapped[str | None] = mapped_column(String(16))
    # The appointment agreed with the customer (local date, morning|afternoon|evening).
    appointment_date: Mapped[date | None] = mapped_column(Date, index=True)
    appointment_window: Mapped[str | None] = mapped_column(String(16))
    appointment_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The technician finished; the customer has not yet accepted (验收).
    awaiting_acceptance_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it was resolved: confirmed | timeout | override | staff (backend.service_records
    # .enums.ResolvedBy, kept by its status hook); None while not resolved.
    resolved_by: Mapped[str | None] = mapped_column(String(16))
    # The customer confirmed the appointment; or the new time they asked for instead (free
    # text from the chat, e.g. "2026-11-28 afternoon"), for the dispatcher, until staff
    # schedule again.
    appointment_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_request: Mapped[str | None] = mapped_column(EncryptedString)

    # ---- the registered product it is about (backend/products/tickets.py) ------------------
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_products.id", ondelete="SET NULL"), index=True)
    # A repair's warranty the day it was created: {"coverage", "whole_unit_until",
    # "main_parts_until", "main_parts"} (backend.products.warranty; dates ISO).
    warranty: Mapped[dict | None] = mapped_column(JSON)

    # ---- escalation: the team (a staff role) the ticket was escalated to, and when ---------
    escalated_to: Mapped[str | None] = mapped_column(String(16), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    # Not loaded unless asked for (selectinload): the staff views do.
    assignee: Mapped[Staff | None] = relationship()
    registered_product: Mapped[CustomerProduct | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """One entry of a ticket's service record."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    # Who did it: "customer:telegram:42", "staff:api", "staff:<username>".
    actor: Mapped[str] = mapped_column(String(100))
    # Encrypted: the customer's words (feedback, "not fixed", another time, what they said
    # asking for a person) and staff notes, which quote them.
    note: Mapped[str | None] = mapped_column(EncryptedString)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketCounter(Base):
    """The last sequence number handed out for one prefix on one local day."""

    __tablename__ = "ticket_counters"

    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
