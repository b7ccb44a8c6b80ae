"""Live handoff: a customer asks for a person, waits in the queue, staff take the conversation,
reply into the customer's chat, and hand it back to the bot.

The bot forwards what a queued customer writes here, and never answers it itself; so staff
taking the conversation over can never race the bot. Staff messages reach the chat through the
outbox, in order, like every other push.

The waiting line: a customer's place is how many are ahead of them (0: next). A waiting
customer who writes is told their place and the expected wait, and when someone ahead is taken
or leaves, every customer behind hears their new place (a `handoff_position` push; a newer one
replaces one still undelivered, so a customer gets only their latest place). The expected wait
comes from how long recent customers waited per place in the line (`minutes_per_place`). Every
change to the line takes one lock (PostgreSQL), so the places told are never computed from a
half-seen change."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from backend.customers.enums import Channel
from backend.customers.schemas import CustomerIn
from backend.handoff import hours
from backend.handoff.models import Handoff, HandoffMessage
from backend.handoff.schemas import HandoffRequest, HandoffStatus, QueueEntry
from backend.kernel.config import Settings
from backend.kernel.database import utcnow
from backend.kernel.pushes import (
    HandoffEnded,
    HandoffPosition,
    HandoffPush,
    HandoffTaken,
    PushKind,
    StaffMessage,
)
from backend.notifications.models import OutboxMessage
from backend.notifications.service import enqueue
from backend.tickets import lifecycle
from backend.tickets import service as ticket_service
from backend.tickets.enums import TicketType
from backend.tickets.schemas import TicketCreate

OPEN = ("waiting", "active")
# PostgreSQL advisory lock: one change of the waiting line at a time.
QUEUE_LOCK_KEY = 0x4A0D0F
# The expected wait is learnt from the last RECENT_TAKEN customers taken within RECENT_DAYS.
RECENT_TAKEN = 20
RECENT_DAYS = 7


class HandoffConflict(Exception):
    """Someone else took it first, or it is no longer open."""


async def _open_for_chat(db_session: AsyncSession, channel: str, chat_id: str) -> Handoff | None:
    statement = (select(Handoff).options(selectinload(Handoff.ticket))
                 .where(Handoff.channel == channel, Handoff.chat_id == chat_id,
                        Handoff.state.in_(OPEN)).order_by(Handoff.id.desc()).limit(1))
    return (await db_session.execute(statement)).scalar_one_or_none()


async def _lock_queue(db_session: AsyncSession) -> None:
    """Changes of the waiting line one at a time, until the transaction ends (PostgreSQL;
    SQLite has one writer anyway)."""
    if db_session.get_bind().dialect.name == "postgresql":
        await db_session.execute(sql("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": QUEUE_LOCK_KEY})


def _before(other, handoff) -> ColumnElement[bool]:
    """`other` joined the line before `handoff` (the queue's order: requested_at, then id)."""
    return or_(other.requested_at < handoff.requested_at,
               and_(other.requested_at == handoff.requested_at, other.id < handoff.id))


async def _ahead(db_session: AsyncSession, handoff: Handoff) -> int:
    """How many customers wait ahead of `handoff`: 0 when it is next."""
    ahead = select(func.count()).select_from(Handoff).where(
        Handoff.state == "waiting", _before(Handoff, handoff))
    return (await db_session.execute(ahead)).scalar_one()


async def minutes_per_place(*, db_session: AsyncSession, settings: Settings,
                            now: datetime) -> float:
    """How long a customer recently waited per place in the line: of the last RECENT_TAKEN
    customers taken within RECENT_DAYS, the time they waited until taken, over the places they
    had to go through (those ahead when they joined, plus their own). Without any, the
    configured `handoff_minutes_per_customer`."""
    other = aliased(Handoff)
    left_line = func.coalesce(other.taken_at, other.closed_at)
    # (Someone who had waited over a day already when a recent customer joined is not counted:
    # the bound keeps the count to the recent rows of the requested_at index.)
    horizon = now - timedelta(days=RECENT_DAYS + 1)
    ahead_then = (select(func.count()).select_from(other)
                  .where(other.requested_at >= horizon, _before(other, Handoff),
                         or_(left_line.is_(None), left_line > Handoff.requested_at))
                  .correlate(Handoff).scalar_subquery())
    recent = (select(Handoff.requested_at, Handoff.taken_at, ahead_then)
              .where(Handoff.taken_at.is_not(None),
                     Handoff.taken_at >= now - timedelta(days=RECENT_DAYS))
              .order_by(Handoff.taken_at.desc()).limit(RECENT_TAKEN))
    rows = (await db_session.execute(recent)).all()
    if not rows:
        return float(settings.handoff_minutes_per_customer)
    waited = sum(max((taken - requested).total_seconds(), 0.0) for requested, taken, _ in rows)
    places = sum(ahead + 1 for _, _, ahead in rows)
    return waited / 60 / places


def expected_wait(ahead: int, per_place: float) -> int:
    """Whole minutes until a customer with `ahead` customers before them is taken (at least 1:
    "about 0 minutes" promises too much)."""
    return max(1, round((ahead + 1) * per_place))


async def _status(db_session: AsyncSession, settings: Settings, handoff: Handoff,
                  now: datetime) -> HandoffStatus:
    if handoff.state != "waiting":
        return HandoffStatus(state=handoff.state, ticket_number=handoff.ticket.number)
    ahead = await _ahead(db_session, handoff)
    per_place = await minutes_per_place(db_session=db_session, settings=settings, now=now)
    return HandoffStatus(state="waiting", ticket_number=handoff.ticket.number, position=ahead,
                         expected_wait_minutes=expected_wait(ahead, per_place))


async def _drop_untold_places(db_session: AsyncSession, handoff: Handoff) -> None:
    """Place pushes for this customer not delivered yet: a newer place (or the end of the
    wait) makes them stale."""
    await db_session.execute(delete(OutboxMessage).where(
        OutboxMessage.ticket_id == handoff.ticket_id, OutboxMessage.delivered_at.is_(None),
        OutboxMessage.payload["kind"].as_string() == str(PushKind.handoff_position)))


async def _tell_place(db_session: AsyncSession, handoff: Handoff, ahead: int, per_place: float,
                      now: datetime, cause: str) -> None:
    """Push the customer their place and the expected wait (`cause`: moved | asked)."""
    await _drop_untold_places(db_session, handoff)
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            push=_push(handoff, HandoffPosition, now, position=ahead, cause=cause,
                       expected_wait_minutes=expected_wait(ahead, per_place)))


async def _line_moved(db_session: AsyncSession, settings: Settings, gone: Handoff,
                      now: datetime) -> None:
    """`gone` left the waiting line (taken, or gave up): everyone who waited behind it moved up
    one place and hears so; nobody else's place changed."""
    await _drop_untold_places(db_session, gone)
    statement = (select(Handoff).options(selectinload(Handoff.ticket))
                 .where(Handoff.state == "waiting").order_by(Handoff.requested_at, Handoff.id))
    line = list((await db_session.execute(statement)).scalars())
    behind = [(ahead, h) for ahead, h in enumerate(line)
              if (h.requested_at, h.id) > (gone.requested_at, gone.id)]
    if not behind:
        return
    per_place = await minutes_per_place(db_session=db_session, settings=settings, now=now)
    for ahead, handoff in behind:
        await _tell_place(db_session, handoff, ahead, per_place, now, cause="moved")


async def request(*, db_session: AsyncSession, settings: Settings, channel: Channel,
                  chat_id: str, data: HandoffRequest, now: datetime) -> HandoffStatus:
    """Queue the customer for a person (once: asking again gives the same place). Outside
    business hours, a callback ticket instead, and when staff are back."""
    existing = await _open_for_chat(db_session, channel, chat_id)
    if existing is not None:
        return await _status(db_session, settings, existing, now)
    within_hours = hours.is_open(settings, now)
    created = await ticket_service.create_ticket(
        db_session=db_session, idempotency_key=f"handoff:{channel}:{chat_id}:{uuid.uuid4()}",
        timezone=settings.ticket_timezone,
        data=TicketCreate(
            customer=CustomerIn(channel=channel, chat_id=chat_id, language=data.language),
            type=TicketType.inquiry, description=data.text or data.reason,
            details={"contact": "live" if within_hours else "callback", "reason": data.reason},
        ),
    )
    ticket = created.ticket
    if not within_hours:
        return HandoffStatus(state="callback", ticket_number=ticket.number,
                             back_at=hours.next_opening(settings, now))
    await _lock_queue(db_session)  # (creating the ticket committed: the lock starts here)
    now = max(now, utcnow())  # joined the line now: the line's order is the order of joining
    handoff = Handoff(ticket_id=ticket.id, ticket=ticket, channel=channel, chat_id=chat_id,
                      language=str(data.language), reason=data.reason, state="waiting",
                      requested_at=now)
    db_session.add(handoff)
    lifecycle.record(db_session, ticket, "handoff_requested", note=data.reason, now=now,
                     actor=lifecycle.customer_actor(channel, chat_id))
    if data.text:
        handoff.messages.append(HandoffMessage(sender="customer", text=data.text,
                                               created_at=now))
    await db_session.flush()
    status = await _status(db_session, settings, handoff, now)
    await db_session.commit()
    return status


async def status_for_chat(*, db_session: AsyncSession, settings: Settings, channel: str,
                          chat_id: str, now: datetime) -> HandoffStatus | None:
    handoff = await _open_for_chat(db_session, channel, chat_id)
    return None if handoff is None else await _status(db_session, settings, handoff, now)


async def customer_message(*, db_session: AsyncSession, settings: Settings, channel: str,
                           chat_id: str, text: str, now: datetime) -> Handoff | None:
    """What the customer wrote while queued or talking to staff, into the transcript. A
    waiting customer is answered with their place and the expected wait (a push: the bot
    never answers in a chat that waits for staff)."""
    await _lock_queue(db_session)
    handoff = await _open_for_chat(db_session, channel, chat_id)
    if handoff is None:
        await db_session.rollback()
        return None
    db_session.add(HandoffMessage(handoff_id=handoff.id, sender="customer", text=text,
                                  created_at=now))
    if handoff.state == "waiting":
        ahead = await _ahead(db_session, handoff)
        per_place = await minutes_per_place(db_session=db_session, settings=settings, now=now)
        await _tell_place(db_session, handoff, ahead, per_place, now, cause="asked")
    await db_session.commit()
    return handoff


async def leave(*, db_session: AsyncSession, settings: Settings, channel: str, chat_id: str,
                now: datetime) -> bool:
    """The customer gives up waiting or ends the conversation themselves; those who waited
    behind them hear their new place."""
    await _lock_queue(db_session)
    handoff = await _open_for_chat(db_session, channel, chat_id)
    if handoff is None:
        await db_session.rollback()
        return False
    was_waiting = handoff.state == "waiting"
    handoff.state, handoff.closed_at = "closed", now
    lifecycle.record(db_session, handoff.ticket_id, "handoff_ended", note="customer left",
                     now=now, actor=lifecycle.customer_actor(channel, chat_id))
    if was_waiting:
        await db_session.flush()
        await _line_moved(db_session, settings, handoff, now)
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


def _push(handoff: Handoff, model: type[HandoffPush], now: datetime,
          **fields: Any) -> HandoffPush:
    """A push of this kind (`model`) to the conversation's chat."""
    return model(ticket_number=handoff.ticket.number, channel=handoff.channel,
                 chat_id=handoff.chat_id, language=handoff.language, occurred_at=now, **fields)


async def take(*, db_session: AsyncSession, settings: Settings, handoff_id: int, staff: str,
               display_name: str, now: datetime) -> Handoff:
    """Take a waiting conversation. One row update decides who gets it: a second taker loses.
    Those who waited behind it hear their new place."""
    await _lock_queue(db_session)
    taken = await db_session.execute(
        update(Handoff).where(Handoff.id == handoff_id, Handoff.state == "waiting")
        .values(state="active", taken_by=staff, taken_at=now).returning(Handoff.id))
    if taken.scalar_one_or_none() is None:
        await db_session.rollback()
        raise HandoffConflict("this conversation is not waiting any more")
    handoff = await get(db_session=db_session, handoff_id=handoff_id)
    assert handoff is not None
    await db_session.refresh(handoff)
    lifecycle.record(db_session, handoff.ticket_id, "handoff_taken", actor=f"staff:{staff}",
                     now=now)
    await _line_moved(db_session, settings, handoff, now)
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            push=_push(handoff, HandoffTaken, now, staff=display_name))
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
            push=_push(handoff, StaffMessage, now, staff=display_name, text=text))
    await db_session.commit()
    return message


async def release(*, db_session: AsyncSession, handoff_id: int, staff: str, now: datetime,
                  may_override: bool = False) -> Handoff:
    """Hand the conversation back to the bot; the customer is told."""
    handoff = _require_owner(await get(db_session=db_session, handoff_id=handoff_id), staff,
                             may_override)
    handoff.state, handoff.closed_at = "closed", now
    lifecycle.record(db_session, handoff.ticket_id, "handoff_ended", actor=f"staff:{staff}",
                     now=now)
    enqueue(db_session=db_session, ticket_id=handoff.ticket_id, now=now,
            push=_push(handoff, HandoffEnded, now))
    await db_session.commit()
    return handoff
