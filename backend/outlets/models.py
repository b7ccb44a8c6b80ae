"""Service outlets (服务网点): where technicians go out from, and the districts each covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.database import Base, UTCDateTime, utcnow


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Canonical city name, as the knowledge base and backend.outlets.places spell it (北京, 香港).
    city: Mapped[str] = mapped_column(String(50), index=True)
    # Official district names (朝阳区, 观塘区) it covers; [] = the whole city, for the districts
    # no other outlet of the city covers.
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The outlet's own (business) contact data: not personal, so not encrypted.
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    # Inactive outlets are proposed for nothing; tickets keep referring to them.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
