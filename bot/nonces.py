"""Replay protection of the backend's pushes: each signed push's nonce is accepted once.

The nonces live in the bot's own database (BOT_DATABASE_URL), in `bot_push_nonces`
(`bot.storage.models.PushNonce`), so several bot processes behind one address agree. A nonce
is kept until its signature would be refused as stale anyway; expired ones are deleted now
and then on the way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from backend.kernel.signing import PUSH_METHOD, PUSH_TARGET, Signed, verify
from bot.storage.database import BotStorage
from bot.storage.migrate import upgrade_storage
from bot.storage.models import PushNonce

PURGE_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str


class NonceStore:
    """On the bot's database: a `BotStorage` shared with the other stores, or a URL (a
    storage of the store's own, closed by `close()`)."""

    def __init__(self, storage: BotStorage | str) -> None:
        self._owns_storage = isinstance(storage, str)
        self._storage = BotStorage(storage) if isinstance(storage, str) else storage
        self._sessions = self._storage.sessions
        self._purged_at = 0.0

    async def create_tables(self) -> None:
        """Migrate the database to the latest revision (tests, tools; the bot does it at
        start)."""
        await upgrade_storage(self._storage)

    async def close(self) -> None:
        if self._owns_storage:
            await self._storage.close()

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
