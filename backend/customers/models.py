"""Customers and the chats through which they reach us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.crypto import EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Personal data: encrypted at rest.
    display_name: Mapped[str | None] = mapped_column(EncryptedString)
    # HMAC-SHA256 of the phone number of their latest ticket that gave one, in its canonical
    # form (backend/customers/phones.py): staff find the customer by it; the number itself is
    # only on the tickets, encrypted. NULL: no number yet, or erased.
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    # Service tier (backend.sla.enums.CustomerTier): picks the SLA policy.
    tier: Mapped[str] = mapped_column(String(16), default="standard", server_default="standard")
    # No return-visit surveys for this customer (backend/surveys).
    survey_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Personal data erased (backend/privacy): the row stays for the statistics, nameless and
    # without chats.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    identities: Mapped[list[ChatIdentity]] = relationship(back_populates="customer")


class ChatIdentity(Base):
    """One chat (a Telegram user, a web chat session, a terminal) of a customer."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="identities")
