"""Nonces of the signed internal calls the backend received (bot → backend), remembered until
their signature would be stale anyway, so a captured call cannot be sent again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime


class UsedNonce(Base):
    __tablename__ = "used_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The signed timestamp plus the allowed age: after this the signature is refused as stale,
    # so the row can go (the purge worker deletes it).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
