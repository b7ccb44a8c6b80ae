"""Spare parts (GB/T 27922 5.12c): the catalogue, the stock ledger with its balances, the
low-stock alerts, and the defective parts sent back for repair (坏件返修).

The ledger (`stock_movements`) is the truth: every unit that comes in, moves or is used is one
row, never changed afterwards. `stock_balances` holds what each outlet and each technician has
now, changed only in the transaction that writes the movement (backend/parts/stock.py), and
never below zero (a CHECK backs the conditional update); `stock.ledger_balances` derives the
same figures from the movements.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.database import Base, UTCDateTime, utcnow


class Part(Base):
    """A catalogue entry. Never deleted (the ledger refers to it): deactivated."""

    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Upper case, as printed on the part and its box (AC-CMP-35).
    number: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh_hans: Mapped[str] = mapped_column(String(100))
    name_zh_hant: Mapped[str | None] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # backend.parts.enums.PartKind
    # The name the warranty policies give it (压缩机, 门封条), where they name it.
    policy_name: Mapped[str | None] = mapped_column(String(20))
    # The models it fits ([]: every model of its categories).
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Prices in minor units (分, cents): CNY always, HKD and TWD where sold there.
    price_cny: Mapped[int] = mapped_column(Integer)
    price_hkd: Mapped[int | None] = mapped_column(Integer)
    price_twd: Mapped[int | None] = mapped_column(Integer)
    # The part's own warranty once fitted (配件保修), from the day it was used.
    warranty_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fits: Mapped[list[PartCategory]] = relationship(
        cascade="all, delete-orphan", order_by="PartCategory.category")

    @property
    def categories(self) -> list[str]:
        return [fit.category for fit in self.fits]


class PartCategory(Base):
    """A product category a part fits (the canonical names: 空调, 冰箱)."""

    __tablename__ = "part_categories"

    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"),
                                         primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class StockBalance(Base):
    """What one holder (an outlet, or a technician) has of one part now; for an outlet also
    the threshold below which its dispatchers are alerted."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        # NULLs are distinct: an outlet's row and a technician's never collide.
        UniqueConstraint("part_id", "outlet_id"),
        UniqueConstraint("part_id", "technician_id"),
        CheckConstraint("quantity >= 0", name="not_negative"),
        CheckConstraint("(outlet_id IS NULL) <> (technician_id IS NULL)", name="one_holder"),
        CheckConstraint("threshold IS NULL OR (outlet_id IS NOT NULL AND threshold >= 0)",
                        name="threshold_of_outlet"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    threshold: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMovement(Base):
    """One line of the ledger: `quantity` units of a part from a holder (none: a receipt) to a
    holder (none: used on a ticket). A use names its ticket, the day it was fitted and the
    end of its parts warranty (`used_on` + the part's warranty days then)."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_stock_movements_part_id_id", "part_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # backend.parts.enums.MovementKind
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    from_technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    to_technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    used_on: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    # A repaired defective part received back into an outlet.
    defective_part_id: Mapped[int | None] = mapped_column(ForeignKey("defective_parts.id"))
    # A delivery note or invoice number: no personal data.
    reference: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    part: Mapped[Part] = relationship()


class StockAlert(Base):
    """An outlet's stock of a part fell below its threshold: raised once, open until a
    movement brings it back to the threshold (`cleared_at`); a later fall raises a new one."""

    __tablename__ = "stock_alerts"
    __table_args__ = (
        Index("uq_stock_alerts_open", "part_id", "outlet_id", unique=True,
              postgresql_where="cleared_at IS NULL", sqlite_where="cleared_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # the balance that raised it
    threshold: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    part: Mapped[Part] = relationship()


class DefectivePart(Base):
    """A part taken out on a ticket and sent back for repair (坏件返修): removed → sent to
    repair → repaired or scrapped (removed → scrapped when not worth sending)."""

    __tablename__ = "defective_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The removed part's own serial number and the fault found: about the part, not a person.
    part_serial: Mapped[str | None] = mapped_column(String(64))
    fault: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), index=True)  # enums.DefectiveState
    # The outlet it was sent back through; where a repaired one was received, if it was.
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_by: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(100))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(100))

    part: Mapped[Part] = relationship()
