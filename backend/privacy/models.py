"""The privacy log: who exported or erased a customer's personal data, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime, utcnow


class PrivacyAction(Base):
    """One export or erasure. Holds no personal data: the customer's id (the row stays,
    anonymised), the actor ("staff:<username>", or "customer" for the customer in their chat)
    and how many open tickets an erasure cancelled."""

    __tablename__ = "privacy_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    tickets_cancelled: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
