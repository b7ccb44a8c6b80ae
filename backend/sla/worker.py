"""The SLA worker: a task in the backend's lifespan that, every `sla_poll_seconds`,

1. meets first responses from the tickets' records (staff events written anywhere);
2. records breaches: each milestone past due and unmet, once (a breach row, an `sla_breached`
   event, and a `staff_alert` push to `staff_alert_chat_id` if set);
3. queues appointment reminders: the day before the appointment, from the opening of business
   hours, once per appointment;
4. resolves tickets whose customer has not answered the acceptance request within
   `acceptance_timeout_hours`.

`run_once(now=...)` does one round (tests inject the time). Each ticket is handled in its own
short transaction and locked (`FOR UPDATE SKIP LOCKED` where it matters), so several backend
processes may run a worker; breaches are unique per (ticket, milestone) and reminders are
marked sent in the transaction that queues them, so nothing is done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.kernel import business_calendar as sla_calendar
from backend.kernel.config import Settings
from backend.kernel.database import utcnow
from backend.kernel.workers import PeriodicWorker
from backend.sla import acceptance, appointments
from backend.sla import service as sla_service

log = logging.getLogger(__name__)


@dataclass
class Round:
    """What one round did."""

    first_responses: int = 0
    breaches: list[sla_service.Breach] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)  # ticket numbers
    auto_resolved: list[str] = field(default_factory=list)  # ticket numbers


class SlaWorker(PeriodicWorker):
    name = "sla-worker"

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                 wake_outbox: Callable[[], None] | None = None) -> None:
        super().__init__(interval=settings.sla_poll_seconds)
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._wake_outbox = wake_outbox or (lambda: None)
        self._calendar = sla_calendar.BusinessCalendar.from_settings(settings)

    # ---- one round -----------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> Round:
        now = now or utcnow()
        done = Round()
        async with self._sessionmaker() as session:
            done.first_responses = await sla_service.record_first_responses(db_session=session)
            for ticket_id, milestone in await sla_service.find_breaches(db_session=session,
                                                                        now=now):
                breach = await sla_service.record_breach(
                    db_session=session, ticket_id=ticket_id, milestone=milestone, now=now,
                    alert_chat_id=self._settings.staff_alert_chat_id,
                )
                if breach is not None:
                    done.breaches.append(breach)
            done.reminders = await self._remind(session, now)
            done.auto_resolved = await self._resolve_unanswered(session, now)
        if any(b.event_id for b in done.breaches) or done.reminders or done.auto_resolved:
            self._wake_outbox()
        return done

    async def _remind(self, session: AsyncSession, now: datetime) -> list[str]:
        today = self._calendar.local_date(now)
        if now < self._calendar.opening(today):  # not in the night
            return []
        return [number for number in await appointments.due_reminders(db_session=session,
                                                                      today=today)
                if await appointments.remind(db_session=session, number=number, today=today,
                                             now=now)]

    async def _resolve_unanswered(self, session: AsyncSession, now: datetime) -> list[str]:
        hours = self._settings.acceptance_timeout_hours
        asked_before = now - timedelta(hours=hours)
        resolved = []
        for number in await acceptance.overdue(db_session=session, asked_before=asked_before):
            try:
                ticket = await acceptance.resolve_unanswered(
                    db_session=session, number=number, asked_before=asked_before,
                    timeout_hours=hours,
                )
            except Exception as exc:  # one ticket's trouble does not stop the others
                await session.rollback()
                log.warning("ticket %s: not auto-resolved: %s", number, type(exc).__name__)
                continue
            if ticket is not None:
                resolved.append(number)
        return resolved
