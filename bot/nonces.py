"""Replay protection of the backend's pushes: each signed push's nonce is accepted once.

The nonces live in the bot's own database (BOT_DATABASE_URL), in a table of this module's
own, so several bot processes behind one address agree. A nonce is kept until its signature
would be refused as stale anyway; expired ones are deleted now and then on the way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.database import make_engine
from backend.notifications.signing import PUSH_METHOD, PUSH_TARGET, Signed, verify

PURGE_EVERY_SECONDS = 60.0


class Base(DeclarativeBase):
    pass


class PushNonce(Base):
    __tablename__ = "bot_push_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str


class NonceStore:
    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        self._purged_at = 0.0

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def close(self) -> None:
        await self._engine.dispose()

    async def claim(self, signed: Signed) -> bool:
        """True the first time this nonce is seen, False for a replay."""
        now = time.time()
        async with self._sessions() as session:
            if now - self._purged_at > PURGE_EVERY_SECONDS:
                self._purged_at = now
                await session.execute(delete(PushNonce).where(
                    PushNonce.expires_at < datetime.fromtimestamp(now, UTC)))
            try:
                await session.execute(insert(PushNonce).values(
                    nonce=signed.nonce,
                    expires_at=datetime.fromtimestamp(signed.expires_at, UTC)))
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True

    async def check_push(self, secret: str, headers: Mapping[str, str],
                         body: bytes) -> Refusal | None:
        """None if this is a correctly signed, fresh push seen for the first time; otherwise
        why not (401: wrong or stale signature, 409: a replay)."""
        signed = verify(secret, headers, method=PUSH_METHOD, target=PUSH_TARGET, body=body)
        if signed is None:
            return Refusal(401, "bad signature")
        if not await self.claim(signed):
            return Refusal(409, "push received before (a replay)")
        return None
