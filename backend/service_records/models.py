"""Service records (维修记录, 一票到底): one row per version of a ticket's record.

A version is written once and never changed, but for its signature: the customer's "Confirm"
fills `signature` in the content (and `signed_at`), after which nothing changes; a correction
is the next version. `content` is the `RecordContent` JSON, encrypted (the diagnosis is free
text staff write about the customer's appliance); `content_hash` is the sha256 of its
canonical JSON (backend/service_records/content.py), so a change to a stored version shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.crypto import EncryptedJSON, EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow


class ServiceRecord(Base):
    __tablename__ = "service_records"
    __table_args__ = (UniqueConstraint("ticket_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per ticket
    content: Mapped[dict] = mapped_column(EncryptedJSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # A code of backend/service_records/faults.py, plain: the quality statistics count them.
    fault_category: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))  # staff:<username>
    # Why staff corrected the record (None for a completion's version): may quote the customer.
    reason: Mapped[str | None] = mapped_column(EncryptedString)
    # The customer's confirmation (the chat identity is in the encrypted content only).
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_channel: Mapped[str | None] = mapped_column(String(16))
    # The customer said "not fixed" to this version.
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
