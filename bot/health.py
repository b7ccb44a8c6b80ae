"""The bot's `GET /health`: is this bot process ready to serve customers?

- database: the bot's own (BOT_DATABASE_URL), one read of the conversation store;
- backend: its `/health` (which checks the backend's database in turn);
- NLU: whether the Rasa replicas answer. Without them the bot still answers, with its button
  menu (the labelled fallback), so that makes the bot "degraded", not unready.

200 `{"status": "ok", ...}` when everything answers; 200 `{"status": "degraded", ...}` when
only the NLU does not (`"nlu": "partial"`: some replicas are down and the client skips them;
`"fallback"`: none answers, the menu is in use); 503 `{"status": "unavailable", ...}` when the
database or the backend is unreachable. The checks run at once, each bounded by a short
timeout, so an answer never takes longer than CHECK_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.backend_client import BackendClient
from bot.dialogue.state import ConversationStore
from nlu.client import NluClient

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # the database, the backend
NLU_TIMEOUT = 1.0  # each Rasa replica's root page


class Readiness:
    def __init__(self, *, store: ConversationStore, backend: BackendClient, nlu: NluClient,
                 channels: Mapping[str, object]) -> None:
        self._store, self._backend, self._nlu, self._channels = store, backend, nlu, channels
        self._http = httpx.AsyncClient(timeout=NLU_TIMEOUT)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _database(self) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._store.load("health", "-")  # a read by primary key; nothing kept
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            log.warning("health: the bot's database is unreachable: %s", type(exc).__name__)
            return False
        return True

    async def _replica(self, url: str, down_until: float) -> bool:
        if down_until > time.monotonic():
            return False  # failed a parse moments ago: the client is resting it
        try:
            return (await self._http.get(f"{url}/")).status_code == 200
        except httpx.HTTPError:
            return False

    async def check(self) -> tuple[int, dict]:
        replicas = self._nlu.replicas
        database, backend, *up = await asyncio.gather(
            self._database(), self._backend.reachable(CHECK_TIMEOUT),
            *(self._replica(replica.url, replica.down_until) for replica in replicas))
        answering = sum(up)
        nlu = ("ok" if answering == len(replicas) else "partial" if answering else "fallback")
        if not (database and backend):
            status, code = "unavailable", 503
        else:
            status, code = ("ok" if nlu == "ok" else "degraded"), 200
        return code, {
            "status": status,
            "database": "ok" if database else "unreachable",
            "backend": "ok" if backend else "unreachable",
            "nlu": nlu,
            "nlu_replicas": {"up": answering, "of": len(replicas)},
            "channels": sorted(self._channels),
        }

    async def endpoint(self, request: Request) -> JSONResponse:
        code, body = await self.check()
        return JSONResponse(body, status_code=code)
