"""Deletes expired nonces of internal calls now and then (backend/security/service.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kernel.workers import PeriodicWorker
from backend.security import service as security_service

PURGE_INTERVAL_SECONDS = 300.0


class NoncePurgeWorker(PeriodicWorker):
    name = "nonce-purge"
    wait_first = True

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession],
                 interval: float = PURGE_INTERVAL_SECONDS) -> None:
        super().__init__(interval=interval)
        self._sessionmaker = sessionmaker

    async def run_once(self) -> int:
        async with self._sessionmaker() as db_session:
            return await security_service.purge_nonces(db_session=db_session)
