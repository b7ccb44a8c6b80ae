"""The facts worker: every `stats_facts_poll_seconds`, writes the statistics' facts of the
tickets changed since its last round (backend/stats/facts.py), so that a statistics request
rarely finds more than a few to do itself.

A task in the backend's lifespan (`stats_facts_worker_enabled`; tests call `run_once()`).
Several backend processes may each run one: on PostgreSQL the refreshers take turns.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kernel.config import Settings
from backend.kernel.workers import PeriodicWorker
from backend.stats import service as stats_service

log = logging.getLogger(__name__)


class FactsWorker(PeriodicWorker):
    name = "stats-facts-worker"
    wait_first = True

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        super().__init__(interval=settings.stats_facts_poll_seconds)
        self._sessionmaker = sessionmaker

    async def run_once(self) -> int:
        """Bring the facts up to date; how many queued changes there were."""
        async with self._sessionmaker() as session:
            changes = await stats_service.refresh_facts(db_session=session)
        if changes:
            log.info("statistics: facts of %d ticket changes written", changes)
        return changes
