"""Staff accounts, their sign-ins (API tokens and console sessions), failed sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.kernel.database import Base, UTCDateTime, utcnow


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower case (sign-in is case-insensitive); never reused: accounts are deactivated, not
    # deleted, so "staff:<username>" in ticket records always names one person.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # 工号 ("T-0012"), upper case: the customer is told it with the visit (一证件); unique when set.
    staff_number: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    # The outlet (服务网点) they work at, if any: a dispatcher's low-stock alerts are its
    # (backend/parts/alerts.py).
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    # argon2id, in its own encoding (parameters and salt included).
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffSession(Base):
    """One sign-in: an API bearer token or a console session cookie. Only the SHA-256 of the
    secret is stored; the row ends with `expires_at`, a sign-out, or the account's
    deactivation or password change."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Console sessions: the token the pages send with every unsafe request (X-CSRF-Token).
    # Worthless without the session cookie, so kept as it is.
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    staff: Mapped[Staff] = relationship()


class LoginFailure(Base):
    """A failed sign-in (wrong password, unknown or inactive account), counted per username and
    per client address to slow down password guessing. Rows older than the window are deleted
    as new ones come in."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client_ip: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
