"""Queue a message for the customer's chat, in the caller's transaction (the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.database import utcnow
from backend.kernel.pushes import Push, to_payload
from backend.notifications.models import OutboxMessage


def enqueue(*, db_session: AsyncSession, ticket_id: int, push: Push,
            now: datetime | None = None) -> OutboxMessage:
    """Add an outbox message carrying `push` (`to_payload(push)`; its `event_id` is the
    message's unique id). Nothing is committed or sent here: the caller commits with the change
    the message announces, and the dispatcher delivers it."""
    now = now or utcnow()
    message = OutboxMessage(event_id=push.event_id, ticket_id=ticket_id, payload=to_payload(push),
                            attempts=0, next_attempt_at=now, created_at=now)
    db_session.add(message)
    return message
