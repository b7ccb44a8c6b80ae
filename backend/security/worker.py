"""Deletes, now and then, what is kept only for a while: the expired nonces of internal calls
(backend/security/service.py) and the product photos no registration named within a day
(backend/products/photos/store.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kernel.workers import PeriodicWorker
from backend.products.photos import store as photo_store
from backend.security import service as security_service

PURGE_INTERVAL_SECONDS = 300.0


class PurgeWorker(PeriodicWorker):
    """The backend's one purge worker: what is kept only for a while goes."""

    name = "purge"
    wait_first = True

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession],
                 interval: float = PURGE_INTERVAL_SECONDS) -> None:
        super().__init__(interval=interval)
        self._sessionmaker = sessionmaker

    async def run_once(self) -> int:
        """How many rows went (nonces and photos)."""
        async with self._sessionmaker() as db_session:
            nonces = await security_service.purge_nonces(db_session=db_session)
            photos = await photo_store.purge_unlinked(db_session=db_session)
        return nonces + photos
