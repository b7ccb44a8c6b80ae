"""The transactional outbox: messages written with the change they announce, delivered later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The dispatcher's two questions: what is due, and is there an earlier one of this ticket.
        Index(
            "ix_outbox_messages_pending", "next_attempt_at",
            postgresql_where="delivered_at IS NULL", sqlite_where="delivered_at IS NULL",
        ),
        Index(
            "ix_outbox_messages_pending_ticket", "ticket_id", "id",
            postgresql_where="delivered_at IS NULL", sqlite_where="delivered_at IS NULL",
        ),
    )

    # Autoincrement: gives the order of delivery within a ticket.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
