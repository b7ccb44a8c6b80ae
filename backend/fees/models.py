"""The fee standard (收费标准): per region, versions that are never changed once written. Each
change an admin makes is a new version with when it took effect, who made it and why; a quote
names the version that priced it, and that version stays readable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.database import Base, UTCDateTime, utcnow


class FeeStandard(Base):
    """One version of a region's fee standard. The one in force at a moment is the region's
    highest version whose `effective_from` is not after it."""

    __tablename__ = "fee_standards"
    __table_args__ = (
        UniqueConstraint("region", "version"),
        Index("ix_fee_standards_region_effective_from", "region", "effective_from"),
        CheckConstraint("visit_fee >= 0", name="visit_fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(16))  # backend.products.enums.Region
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per region
    currency: Mapped[str] = mapped_column(String(3))  # backend.kernel.money.Currency
    visit_fee: Mapped[int] = mapped_column(Integer)  # 上门费, minor units
    # A customer who declines the quote pays the visit fee (else the visit is free then).
    declined_quote_pays_visit: Mapped[bool] = mapped_column(Boolean)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(64))  # staff:alice; "seed" for the first
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[FeeItem]] = relationship(
        back_populates="standard", order_by="FeeItem.id", cascade="all, delete-orphan",
        lazy="selectin")


class FeeItem(Base):
    """A labour item of one version: a repair type for a product category, its price."""

    __tablename__ = "fee_items"
    __table_args__ = (
        UniqueConstraint("standard_id", "code"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("fee_standards.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # AC-GAS: unique in its version
    category: Mapped[str] = mapped_column(String(16))  # canonical product name (空调)
    repair_type: Mapped[str] = mapped_column(String(32))  # backend.fees.enums.RepairType
    name_zh_hans: Mapped[str] = mapped_column(String(100))
    name_zh_hant: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    price: Mapped[int] = mapped_column(Integer)  # minor units of the version's currency

    standard: Mapped[FeeStandard] = relationship(back_populates="items")
