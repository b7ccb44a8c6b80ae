"""Live handoff: a customer asks for a person, waits in the queue, staff take the conversation,
reply into the customer's chat, and hand it back to the bot.

The bot goes silent in a chat from the moment the customer is queued, and forwards what they
write here; so staff taking the conversation over can never race the bot. Staff messages reach
the chat through the outbox, in order, like every other push."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.config import Settings
from backend.customers.schemas import CustomerIn
from backend.handoff import hours
from backend.handoff.models import Handoff, HandoffMessage
from backend.handoff.schemas import HandoffRequest, HandoffStatus, QueueEntry
from backend.notifications.service import enqueue
from backend.tickets import service as ticket_service
from backend.tickets.models import TicketEvent
from backend.tickets.schemas import TicketCreate

OPEN = ("waiting", "active")


class HandoffConflict(Exception):
    """Someone else took it first, or it is no longer open."""


async def _open_for_chat(db_session: AsyncSession, channel: str, chat_id: str) -> Handoff | None:
    statement = (select(Handoff).options(selectinload(Handoff.ticket))
                 .where(Handoff.channel == channel, Handoff.chat_id == chat_id,
                        Handoff.state.in_(OPEN)).order_by(Handoff.id.desc()).limit(1))
    return (await db_session.execute(statement)).scalar_one_or_none()


async def _position(db_session: AsyncSession, handoff: Handoff) -> int:
    ahead = select(func.count()).select_from(Handoff).where(
        Handoff.state == "waiting", Handoff.requested_at <= handoff.requested_at,
        Handoff.id <= handoff.id)
    return (await db_session.execute(ahead)).scalar_one()


async def _status(db_session: AsyncSession, settings: Settings, handoff: Handoff) -> HandoffStatus:
    if handoff.state != "waiting":
        return HandoffStatus(state=handoff.state, ticket_number=handoff.ticket.number)
    position = await _position(db_session, handoff)
    return HandoffStatus(state="waiting", ticket_number=handoff.ticket.number, position=position,
                         expected_wait_minutes=position * settings.handoff_minutes_per_customer)


async def request(*, db_session: AsyncSession, settings: Settings, channel: str, chat_id: str,
                  data: HandoffRequest, now: datetime) -> HandoffStatus:
    """Queue the customer for a person (once: asking again gives the same place). Outside
    business hours, a callback ticket instead, and when staff are back."""
    existing = await _open_for_chat(db_session, channel, chat_id)
    if existing is not None:
        return await _status(db_session, settings, existing)
    within_hours = hours.is_open(settings, now)
    created = await ticket_service.create_ticket(
        db_session=db_session, idempotency_key=f"handoff:{channel}:{chat_id}:{uuid.uuid4()}",
        timezone=settings.ticket_timezone,
        data=TicketCreate(
            customer=CustomerIn(channel=channel, chat_id=chat_id, language=data.language),
            type="inquiry", description=data.text or data.reason,
            details={"contact": "live" if within_hours else "callback", "reason": data.reason},
        ),
    )
    ticket = created.ticket
    if not within_hours:
        return HandoffStatus(state="callback", ticket_number=ticket.number,
                             back_at=hours.next_opening(settings, now))
    handoff = Handoff(ticket_id=ticket.id, ticket=ticket, channel=channel, chat_id=chat_id,
                      language=str(data.language), reason=data.reason, state="waiting",
                      requested_at=now)
    db_session.add(handoff)
    db_session.add(TicketEvent(ticket_id=ticket.id, kind="handoff_requested", note=data.reason,
                               actor=ticket_service.customer_actor(channel, chat_id),
                               created_at=now))
    if data.text:
        handoff.messages.append(HandoffMessage(sender="customer", text=data.text,
                                               created_at=now))
    await db_session.commit()
    return await _status(db_session, settings, handoff)


async def status_for_chat(*, db_session: AsyncSession, settings: Settings, channel: str,
                          chat_id: str) -> HandoffStatus | None:
    handoff = await _open_for_chat(db_session, channel, chat_id)
    return None if handoff is None else await _status(db_session, settings, handoff)


async def customer_message(*, db_session: AsyncSession, channel: str, chat_id: str, text: str,
                           now: datetime) -> Handoff | None:
    """What the customer wrote while queued or talking to staff, into the transcript."""
    handoff = await _open_for_chat(db_session, channel, chat_id)
    if handoff is None:
        return None
    db_session.add(HandoffMessage(handoff_id=handoff.id, sender="customer", text=text,
                                  created_at=now))
    await db_session.commit()
    return handoff


async def leave(*, db_session: AsyncSession, channel: str, chat_id: str,
                now: datetime) -> bool:
    """The customer gives up waiting or ends the conversation themselves."""
    handoff = await _open_for_chat(db_session, channel, chat_id)
    if handoff is None:
        return False
    handoff.state, handoff.closed_at = "closed", now
    db_session.add(TicketEvent(ticket_id=handoff.ticket_id, kind="handoff_ended",
                               note="customer left", created_at=now,
                               actor=ticket_service.customer_actor(channel, chat_id)))
    await db_session.commit()
    return True


async def queue(*, db_session: AsyncSession, now: datetime) -> list[QueueEntry]:
    """Open conversations, the longest waiting first."""
    statement = (select(Handoff).options(selectinload(Handoff.ticket))
                 .where(Handoff.state.in_(OPEN)).order_by(Handoff.requested_at, Handoff.id))
    return [queue_entry(h, now) for h in (await db_session.execute(statement)).scalars()]


def queue_entry(handoff: Handoff, now: datetime) -> QueueEntry:
    return QueueEntry(
        id=handoff.id, ticket_number=handoff.ticket.number, channel=handoff.channel,
        language=handoff.language, reason=handoff.reason, state=handoff.state,
        requested_at=handoff.requested_at, taken_by=handoff.taken_by,
        waiting_seconds=int(((handoff.taken_at or now) - handoff.requested_at).total_seconds()),
    )


async def get(*, db_session: AsyncSession, handoff_id: int) -> Handoff | None:
    statement = (select(Handoff).options(selectinload(Handoff.ticket),
                                         selectinload(Handoff.messages))
                 .where(Handoff.id == handoff_id))
    return (await db_session.execute(statement)).scalar_one_or_none()


def _push(handoff: Handoff, kind: str, now: datetime, **fields) -> dict:
    return {"event_id": str(uuid.uuid4()), "kind": kind, "ticket_number": handoff.ticket.number,
            "channel": handoff.channel, "chat_id": handoff.chat_id,
            "language": handoff.language, "occurred_at": now.isoformat(), **fields}


async def take(*, db_session: AsyncSession, handoff_id: int, staff: str, display_name: str,
               now: datetime) -> Handoff:
    """Take a waiting conversation. One row update decides who gets it: a second taker loses."""
    taken = await db_session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.state == "waiting")
        .values(state="active", taken_by=staff, taken_at=now).returning(Handoff.id))
    if taken.scalar_one_or_none() is None:
        await db_session.rollback()
        raise HandoffConflict("this conversation is not waiting any more")
    handoff = await get(db_session=db_session, handoff_id=handoff_id)
    assert handoff is not None
    await db_session.refresh(handoff)
    db_session.add(TicketEvent(ticket_id=handoff.ticket_id, kind="handoff_taken",
                               actor=f"staff:{staff}", created_at=now))
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            payload=_push(handoff, "handoff_taken", now, staff=display_name))
    await db_session.commit()
    return handoff


def _require_owner(handoff: Handoff | None, staff: str, may_override: bool) -> Handoff:
    if handoff is None or handoff.state != "active":
        raise HandoffConflict("this conversation is not active")
    if handoff.taken_by != staff and not may_override:
        raise HandoffConflict(f"this conversation is with {handoff.taken_by}")
    return handoff


async def reply(*, db_session: AsyncSession, handoff_id: int, staff: str, display_name: str,
                text: str, now: datetime, may_override: bool = False) -> HandoffMessage:
    """A staff message for the customer: into the transcript, and through the outbox to the
    customer's chat."""
    handoff = _require_owner(await get(db_session=db_session, handoff_id=handoff_id), staff,
                             may_override)
    message = HandoffMessage(handoff_id=handoff.id, sender=f"staff:{staff}", text=text,
                             created_at=now)
    db_session.add(message)
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            payload=_push(handoff, "staff_message", now, staff=display_name, text=text))
    await db_session.commit()
    return message


async def release(*, db_session: AsyncSession, handoff_id: int, staff: str, now: datetime,
                  may_override: bool = False) -> Handoff:
    """Hand the conversation back to the bot; the customer is told."""
    handoff = _require_owner(await get(db_session=db_session, handoff_id=handoff_id), staff,
                             may_override)
    handoff.state, handoff.closed_at = "closed", now
    db_session.add(TicketEvent(ticket_id=handoff.ticket_id, kind="handoff_ended",
                               actor=f"staff:{staff}", created_at=now))
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            payload=_push(handoff, "handoff_ended", now))
    await db_session.commit()
    return handoff
