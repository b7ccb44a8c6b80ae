"""The survey worker: expires surveys left unanswered for `survey_expiry_days` and queues ONE
reminder for those that got no answer in `survey_reminder_hours`.

A task in the backend's lifespan (`survey_worker_enabled`; tests call `run_once(now=...)`),
running a round every `survey_poll_seconds`, the first one a poll interval after start.
Several backend processes on PostgreSQL may each run one: reminders are claimed with
`FOR UPDATE SKIP LOCKED`, and a reminded survey is never reminded again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kernel.config import Settings
from backend.kernel.database import utcnow
from backend.kernel.workers import PeriodicWorker
from backend.surveys import service as survey_service

log = logging.getLogger(__name__)

BATCH = 200  # reminders per transaction


@dataclass(frozen=True)
class RoundResult:
    expired: int
    reminded: int


class SurveyWorker(PeriodicWorker):
    name = "survey-worker"
    wait_first = True

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                 wake_outbox: Callable[[], None] = lambda: None) -> None:
        super().__init__(interval=settings.survey_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._wake_outbox = wake_outbox

    async def run_once(self, now: datetime | None = None) -> RoundResult:
        """Expire what is overdue, then queue the reminders that are due at `now`."""
        now = now or utcnow()
        after = timedelta(hours=self._settings.survey_reminder_hours)
        expiry = timedelta(days=self._settings.survey_expiry_days)
        async with self._sessionmaker() as session, session.begin():
            expired = await survey_service.expire_overdue(db_session=session, now=now,
                                                          expiry=expiry)
        reminded = 0
        while True:
            async with self._sessionmaker() as session, session.begin():
                count = await survey_service.remind_due(db_session=session, now=now,
                                                        after=after, limit=BATCH)
            reminded += count
            if count < BATCH:
                break
        if reminded:
            self._wake_outbox()
        if expired or reminded:
            log.info("surveys: %d expired, %d reminded", expired, reminded)
        return RoundResult(expired=expired, reminded=reminded)
