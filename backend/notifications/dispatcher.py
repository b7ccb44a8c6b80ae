"""Delivers the outbox to the bot's push endpoint: at least once, in order per ticket.

One round (`run_once`):
1. claim, in a short transaction, the due undelivered messages that have no earlier undelivered
   message of the same ticket (at most one per ticket; on PostgreSQL `FOR UPDATE SKIP LOCKED`,
   so several dispatchers never take the same message). Claiming moves `next_attempt_at` a lease
   into the future (3x the HTTP timeout): nobody else takes the message meanwhile, and if this
   process dies mid-delivery it is retried when the lease runs out;
2. POST each payload, signed (backend.kernel.signing), outside any transaction;
3. record the results: 2xx sets `delivered_at` (which frees the ticket's next message); a
   failure counts the attempt, keeps the error and schedules the next attempt after
   min(2**attempts, outbox_max_backoff_seconds) seconds with jitter.
Rounds repeat until nothing is due. The background loop runs a round, then sleeps until woken
(`wake()`, right after a status change) or `outbox_poll_seconds` pass.

Logs name the event id and ticket number only, never the payload.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from backend.kernel.config import Settings
from backend.kernel.database import utcnow
from backend.kernel.signing import signed_headers
from backend.kernel.workers import PeriodicWorker
from backend.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

LAST_ERROR_MAX = 500


@dataclass(frozen=True)
class _Claimed:
    id: int
    event_id: str
    ticket_number: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class _Result:
    message: _Claimed
    error: str | None  # None: delivered


def backoff_seconds(attempts: int, max_backoff: float) -> float:
    """Delay before the next try after `attempts` failed ones: exponential, capped, with
    "equal jitter" (between half and all of it) so that retries do not arrive in step."""
    delay = min(2.0 ** attempts, max_backoff)
    return delay / 2 + random.uniform(0, delay / 2)


class OutboxDispatcher(PeriodicWorker):
    name = "outbox-dispatcher"

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(interval=settings.outbox_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._wakeup = asyncio.Event()

    # ---- lifecycle -----------------------------------------------------------------------

    def wake(self) -> None:
        """Look for work now (called after a change wrote an outbox message)."""
        self._wakeup.set()

    async def stop(self) -> None:
        await super().stop()
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _wait(self) -> None:
        """Until the poll interval passes or a change wakes the dispatcher."""
        try:
            await asyncio.wait_for(self._wakeup.wait(), self._interval)
        except TimeoutError:
            pass
        self._wakeup.clear()

    # ---- one round -----------------------------------------------------------------------

    async def run_once(self) -> int:
        """Deliver everything that is due now (claim, send, record, until nothing is due).
        Returns how many messages were delivered."""
        delivered = 0
        while True:
            claimed = await self._claim()
            if not claimed:
                return delivered
            results = await asyncio.gather(*(self._deliver(message) for message in claimed))
            await self._record(results)
            delivered += sum(1 for result in results if result.error is None)

    async def _claim(self) -> list[_Claimed]:
        now = utcnow()
        earlier = aliased(OutboxMessage)
        earlier_pending = exists().where(
            earlier.ticket_id == OutboxMessage.ticket_id,
            earlier.id < OutboxMessage.id,
            earlier.delivered_at.is_(None),
        )
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now,
                   ~earlier_pending)
            .order_by(OutboxMessage.id)
            .limit(self._settings.outbox_batch_size)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        )
        lease = timedelta(seconds=3 * self._settings.outbox_delivery_timeout_seconds)
        async with self._sessionmaker() as session, session.begin():
            messages = list((await session.execute(statement)).scalars())
            if not messages:
                return []
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([message.id for message in messages]))
                .values(next_attempt_at=now + lease)
            )
            return [
                _Claimed(id=m.id, event_id=m.event_id,
                         ticket_number=str(m.payload.get("ticket_number", "?")),
                         payload=m.payload, attempts=m.attempts)
                for m in messages
            ]

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._settings.outbox_delivery_timeout_seconds,
                transport=self._transport,
            )
        return self._client

    async def _deliver(self, message: _Claimed) -> _Result:
        body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json",
                   **signed_headers(self._settings.internal_secret, body)}
        try:
            response = await self._http().post(self._settings.bot_push_url, content=body,
                                               headers=headers)
        except httpx.TimeoutException:
            return _Result(message, "timeout")
        except httpx.HTTPError as exc:
            return _Result(message, f"{type(exc).__name__}: {exc}"[:LAST_ERROR_MAX])
        if response.is_success:
            return _Result(message, None)
        return _Result(message, f"HTTP {response.status_code}: {response.text[:200]}")

    async def _record(self, results: list[_Result]) -> None:
        now = utcnow()
        max_backoff = self._settings.outbox_max_backoff_seconds
        async with self._sessionmaker() as session, session.begin():
            for result in results:
                message, attempts = result.message, result.message.attempts + 1
                if result.error is None:
                    values: dict[str, Any] = {"delivered_at": now, "attempts": attempts,
                                              "last_error": None}
                    log.info("push %s (ticket %s) delivered", message.event_id,
                             message.ticket_number)
                else:
                    delay = backoff_seconds(attempts, max_backoff)
                    values = {"attempts": attempts, "last_error": result.error[:LAST_ERROR_MAX],
                              "next_attempt_at": now + timedelta(seconds=delay)}
                    log.warning("push %s (ticket %s) failed (attempt %d): %s; next try in %.1fs",
                                message.event_id, message.ticket_number, attempts,
                                result.error[:120], delay)
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values)
                )
