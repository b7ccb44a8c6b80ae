"""Replay protection of the internal calls: each nonce is accepted once, in the database, so
several backend processes agree."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.database import rowcount
from backend.kernel.signing import Signed
from backend.security.models import UsedNonce


async def claim_nonce(*, db_session: AsyncSession, signed: Signed) -> bool:
    """True the first time this nonce is seen (it is remembered until it expires), False for a
    replay. Commits."""
    try:
        await db_session.execute(insert(UsedNonce).values(
            nonce=signed.nonce, expires_at=datetime.fromtimestamp(signed.expires_at, UTC)))
        await db_session.commit()
    except IntegrityError:
        await db_session.rollback()
        return False
    return True


async def purge_nonces(*, db_session: AsyncSession, now: datetime | None = None) -> int:
    """Forget the nonces whose signatures are stale by now. Commits; how many went.

    Signatures carry the wall-clock time both sides read (`time.time()`), not the business
    clock a test may move (backend/kernel/clock.py): the purge goes by the same wall clock."""
    now = now or datetime.fromtimestamp(time.time(), UTC)
    result = await db_session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))
    await db_session.commit()
    return rowcount(result)
