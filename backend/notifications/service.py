"""Queue a message for the customer's chat, in the caller's transaction (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.database import utcnow
from backend.notifications.models import OutboxMessage


def enqueue(*, db_session: AsyncSession, ticket_id: int, payload: dict[str, Any],
            now: datetime | None = None) -> OutboxMessage:
    """Add an outbox message (payload["event_id"] is its unique id). Nothing is committed or
    sent here: the caller commits with the change the message announces, and the dispatcher
    delivers it."""
    now = now or utcnow()
    message = OutboxMessage(event_id=payload["event_id"], ticket_id=ticket_id, payload=payload,
                            attempts=0, next_attempt_at=now, created_at=now)
    db_session.add(message)
    return message
