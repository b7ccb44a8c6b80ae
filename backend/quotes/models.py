"""Quotes (报价) and payments (收费记录).

A quote belongs to a ticket and has versions: a change is a new row (the ticket's next
`version`); the one it replaces becomes `superseded`. Each names the fee-standard version that
priced it and its currency; its lines are copied (names in three languages, unit price,
amount), so a later change of the standard or the catalogue never changes a quote. Amounts are
integer minor units (backend/kernel/money.py).

Who decided and the customer's words on a decline are the ticket event of the decision
(`decision_event_id`: its actor, its encrypted note), so a customer's erasure, which clears
the events' notes and chat actors, clears them here too.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.database import Base, UTCDateTime, utcnow
from backend.tickets.models import TicketEvent


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("ticket_id", "version"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per ticket
    status: Mapped[str] = mapped_column(String(16))  # backend.quotes.enums.QuoteStatus
    # False: everything is free (in warranty), so the customer is told, not asked.
    needs_acceptance: Mapped[bool] = mapped_column(Boolean)
    region: Mapped[str] = mapped_column(String(16))  # backend.products.enums.Region
    fee_standard_id: Mapped[int] = mapped_column(ForeignKey("fee_standards.id"))
    fee_standard_version: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(Integer)
    # What the customer pays if they decline: the visit fee where the standard says so and
    # the visit is charged, else 0.
    declined_charge: Mapped[int] = mapped_column(Integer)
    built_by: Mapped[str] = mapped_column(String(100))  # staff:alice
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_events.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(String(16))  # enums.DeclineReason
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # superseded, withdrawn
    ended_by: Mapped[str | None] = mapped_column(String(100))

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan",
        lazy="selectin")
    decision: Mapped[TicketEvent | None] = relationship(lazy="selectin")


class QuoteLine(Base):
    __tablename__ = "quote_lines"
    __table_args__ = (
        UniqueConstraint("quote_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0 AND amount >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # enums.LineKind
    # The fee item's code, the part number; none for the visit.
    code: Mapped[str | None] = mapped_column(String(40))
    name_zh_hans: Mapped[str] = mapped_column(String(100))
    name_zh_hant: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)  # the price list's, minor units
    amount: Mapped[int] = mapped_column(Integer)  # what is charged: 0 when in warranty
    in_warranty: Mapped[bool] = mapped_column(Boolean)
    warranty_reason: Mapped[str | None] = mapped_column(String(24))  # enums.WarrantyReason
    # The last day of the cover that makes it free; a free replacement's earlier ticket.
    warranty_until: Mapped[date | None] = mapped_column(Date)
    earlier_ticket: Mapped[str | None] = mapped_column(String(24))

    quote: Mapped[Quote] = relationship(back_populates="lines")


class Payment(Base):
    """A payment recorded by staff (not processed here): once per receipt number."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"))
    amount: Mapped[int] = mapped_column(Integer)  # minor units of `currency`
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))  # enums.PaymentMethod
    # As printed on the receipt, upper case: a number, not personal data.
    receipt_number: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
