"""One knowledge-base entry: an answer to one question, in one language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime, utcnow


class KnowledgeEntry(Base):
    __tablename__ = "knowledge_entries"
    __table_args__ = (Index("ix_knowledge_entries_language_topic", "language", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(16))
    # Canonical Simplified product name (backend.knowledge.enums.PRODUCTS); NULL: any product.
    product: Mapped[str | None] = mapped_column(String(20))
    # Canonical Simplified city name (北京, 香港, 台北); NULL: any city.
    city: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    # Space-separated words that help free text find this entry.
    keywords: Mapped[str | None] = mapped_column(String(500))
    # Example data (the seed), not the company's real terms: staff see it; customers get the
    # answer alone.
    sample: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
