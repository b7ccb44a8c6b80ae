"""Background loops in the backend's event loop (outbox dispatcher, SLA worker, survey
worker): a round of work, then a wait, until stopped. A failed round (the database away) is
logged and tried again next time."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class PeriodicWorker:
    name = "worker"
    # Wait one interval before the first round (nothing is due right at start-up).
    wait_first = False

    def __init__(self, *, interval: float) -> None:
        self._interval = interval
        self._task: asyncio.Task | None = None

    async def run_once(self) -> object:
        raise NotImplementedError

    async def _wait(self) -> None:
        await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        log.info("%s started (every %.1f s)", self.name, self._interval)
        if self.wait_first:
            await self._wait()
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: try again next time
                log.warning("%s round failed: %s: %s", self.name, type(exc).__name__,
                            str(exc)[:300])
            await self._wait()
