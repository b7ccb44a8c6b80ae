"""The customer's products (客户档案: what they own), the photos of their invoices and
nameplates, and the warranty policy of each category."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.kernel.crypto import EncryptedBytes, EncryptedString
from backend.kernel.database import Base, UTCDateTime, utcnow


class WarrantyPolicy(Base):
    """How long a category is covered in a region (GB/T 27922 5.32, 5.33; the 三包 rules)."""

    __tablename__ = "warranty_policies"
    __table_args__ = (UniqueConstraint("category", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(16))  # canonical product name (空调)
    region: Mapped[str] = mapped_column(String(16))  # backend.products.enums.Region
    whole_unit_months: Mapped[int] = mapped_column(Integer)
    # The main parts (压缩机) and how long they are covered; None: as long as the whole unit.
    main_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    main_parts_months: Mapped[int | None] = mapped_column(Integer)
    # Wearing parts (filters, remote batteries) are not covered.
    wearing_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 三包: returned within `return_days` of purchase, exchanged within `exchange_days` for a
    # performance fault; 0 where the region has no such rule.
    return_days: Mapped[int] = mapped_column(Integer, default=0)
    exchange_days: Mapped[int] = mapped_column(Integer, default=0)
    safe_use_years: Mapped[int | None] = mapped_column(Integer)  # 安全使用年限
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CustomerProduct(Base):
    """A product a customer owns. One serial number is one product: a second registration of
    a serial number already held is kept, flagged (`duplicate_of`) for staff to settle."""

    __tablename__ = "customer_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(64))
    # Normalised (upper case, no spaces or dashes): it names the appliance, not its owner.
    serial: Mapped[str | None] = mapped_column(String(64), index=True)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    # Personal data: encrypted at rest.
    purchased_from: Mapped[str | None] = mapped_column(EncryptedString)
    installed_on: Mapped[date | None] = mapped_column(Date)
    install_address: Mapped[str | None] = mapped_column(EncryptedString)
    region: Mapped[str] = mapped_column(String(16))  # where it was bought: its policy
    source: Mapped[str] = mapped_column(String(16))  # backend.products.enums.Source
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("customer_products.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProductPhoto(Base):
    """A photo of an invoice or a nameplate the customer sent in the chat, kept once it was
    read (backend/products/photos/store.py): the customer's from the start, their product's
    once the registration it was sent for names its `token`. One never linked is deleted after
    a day. The image is personal data (an invoice carries a name and an address): encrypted
    at rest, and loaded only when asked for (deferred)."""

    __tablename__ = "product_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random and opaque: what the bot holds and sends back with the registration.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_products.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # backend.products.enums.PhotoKind
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)  # of the image, in bytes
    data: Mapped[bytes] = mapped_column(EncryptedBytes, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
