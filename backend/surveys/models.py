"""Return-visit surveys: one per resolved ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.crypto import EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow
from backend.surveys.enums import SurveyState
from backend.tickets.models import Ticket


class Survey(Base):
    """The return visit of one ticket, made when it was first resolved. Each answer is written
    once; a question not answered yet is NULL (a comment the customer skipped is "")."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        # The worker's question: which open surveys are due for a reminder or expiry.
        Index("ix_surveys_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           unique=True)
    state: Mapped[str] = mapped_column(String(16), default=SurveyState.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # What the customer wrote: encrypted at rest.
    comment: Mapped[str | None] = mapped_column(EncryptedString)
    # Installations only: did the installer explain how to use the product?
    explained_usage: Mapped[bool | None] = mapped_column(Boolean)
    # Rated 1-2: a supervisor should call the customer back.
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship()
