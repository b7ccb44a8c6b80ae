"""A tiny push receiver on loopback, standing in for the bot's push endpoint: a real HTTP server
(uvicorn) that verifies each push's signature and records what it got."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from backend.kernel.signing import verify
from tests.support.processes import free_port


class PushReceiver:
    def __init__(self, secret: str, port: int | None = None, *, fail_first: int = 0,
                 delay: float = 0.0) -> None:
        self.secret, self.port = secret, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/internal/push"
        self.fail_first, self.delay = fail_first, delay
        self.requests = 0
        self.events: list[dict] = []  # every accepted push, duplicates included
        self.bad_signatures = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    async def _push(self, request: Request) -> JSONResponse:
        self.requests += 1
        body = await request.body()
        if verify(self.secret, request.headers, method="POST", target="/internal/push",
                  body=body) is None:
            self.bad_signatures += 1
            return JSONResponse({"detail": "bad signature"}, status_code=401)
        if self.fail_first > 0:
            self.fail_first -= 1
            return JSONResponse({"detail": "channel unavailable"}, status_code=503)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.events.append(json.loads(body))
        return JSONResponse({"status": "delivered"})

    def by_ticket(self) -> dict[str, list[str]]:
        statuses: defaultdict[str, list[str]] = defaultdict(list)
        for event in self.events:
            statuses[event["ticket_number"]].append(event["status"])
        return dict(statuses)

    def event_ids(self) -> list[str]:
        return [event["event_id"] for event in self.events]

    async def start(self) -> PushReceiver:
        app = Starlette(routes=[Route("/internal/push", self._push, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None

    async def __aenter__(self) -> PushReceiver:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()
