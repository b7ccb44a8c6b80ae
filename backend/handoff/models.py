"""Live conversations with staff: a customer waiting for a person, or talking to one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.crypto import EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow
from backend.tickets.models import Ticket


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_chat_state", "channel", "chat_id", "state"),
                      # The recent waits behind the expected wait (handoff.service).
                      Index("ix_handoffs_requested_at", "requested_at"),
                      Index("ix_handoffs_taken_at", "taken_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The service record of the conversation (an inquiry ticket): transcript events, and the
    # order in which staff messages reach the chat.
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))  # human_agent | failures | complaint
    state: Mapped[str] = mapped_column(String(8), index=True)  # waiting | active | closed
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    messages: Mapped[list[HandoffMessage]] = relationship(
        order_by="HandoffMessage.id", cascade="all, delete-orphan")


class HandoffMessage(Base):
    """One line of the transcript. What customers write may hold personal data: encrypted."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"),
                                            index=True)
    sender: Mapped[str] = mapped_column(String(100))  # customer | staff:<username>
    text: Mapped[str] = mapped_column(EncryptedString)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
