"""Live handoff routes: the bot's (queue a customer, forward their messages) and the staff's
(queue, take over, reply, hand back). Thin: the work is in the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from backend.customers.enums import Channel
from backend.deps import (
    OutboxWakeDep,
    ServiceDep,
    SessionDep,
    SettingsDep,
    StaffUser,
    require_roles,
)
from backend.errors import NotFound
from backend.handoff import service as handoff_service
from backend.handoff.schemas import (
    HandoffDetail,
    HandoffRequest,
    HandoffStatus,
    MessageIn,
    MessageOut,
    QueueEntry,
)
from backend.kernel.database import utcnow
from backend.staff.enums import Role
from backend.text import NoControl

router = APIRouter(prefix="/api/v1", tags=["handoff"])

# Who talks to customers live: agents (客服), supervisors, admins.
LiveStaff = Annotated[StaffUser, require_roles(Role.agent, Role.supervisor, Role.admin)]
CUSTOMER = "/customers/{channel}/{chat_id}/handoff"
# Ids are 32-bit integers in the database: a larger one is a 422, not a database error.
HandoffId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(CUSTOMER, response_model=HandoffStatus)
async def request_person(channel: Channel, chat_id: Annotated[str, NoControl],
                         data: HandoffRequest,
                         db_session: SessionDep, settings: SettingsDep,
                         _: ServiceDep) -> HandoffStatus:
    """Queue the customer for a person (the bot calls this), or, outside business hours, make a
    callback ticket and say when staff are back."""
    return await handoff_service.request(db_session=db_session, settings=settings,
                                         channel=channel, chat_id=chat_id, data=data,
                                         now=utcnow())


@router.get(CUSTOMER, response_model=HandoffStatus | None)
async def current(channel: Channel, chat_id: str, db_session: SessionDep, settings: SettingsDep,
                  _: ServiceDep) -> HandoffStatus | None:
    return await handoff_service.status_for_chat(db_session=db_session, settings=settings,
                                                 channel=channel, chat_id=chat_id, now=utcnow())


@router.post(f"{CUSTOMER}/messages", status_code=status.HTTP_204_NO_CONTENT,
             responses={404: {"description": "no open conversation with staff"}})
async def customer_message(channel: Channel, chat_id: str, message: MessageIn,
                           db_session: SessionDep, settings: SettingsDep, _: ServiceDep,
                           wake_outbox: OutboxWakeDep) -> None:
    """What the customer wrote, for staff. A customer still waiting is told their place and
    the expected wait (a `handoff_position` push)."""
    if await handoff_service.customer_message(db_session=db_session, settings=settings,
                                              channel=channel, chat_id=chat_id,
                                              text=message.text, now=utcnow()) is None:
        raise NotFound("no open conversation with staff")
    wake_outbox()


@router.post(f"{CUSTOMER}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def customer_leaves(channel: Channel, chat_id: str, db_session: SessionDep,
                          settings: SettingsDep, _: ServiceDep,
                          wake_outbox: OutboxWakeDep) -> None:
    """The customer stops waiting (or ends the conversation); those behind hear their place."""
    await handoff_service.leave(db_session=db_session, settings=settings, channel=channel,
                                chat_id=chat_id, now=utcnow())
    wake_outbox()


@router.get("/handoff/queue", response_model=list[QueueEntry])
async def queue(db_session: SessionDep, _: LiveStaff) -> list[QueueEntry]:
    """Customers waiting for a person, and conversations in progress, longest waiting first."""
    return await handoff_service.queue(db_session=db_session, now=utcnow())


@router.get("/handoff/{handoff_id}", response_model=HandoffDetail,
            responses={404: {"description": "no such conversation"}})
async def detail(handoff_id: HandoffId, db_session: SessionDep, _: LiveStaff) -> HandoffDetail:
    handoff = await handoff_service.get(db_session=db_session, handoff_id=handoff_id)
    if handoff is None:
        raise NotFound("no such conversation")
    entry = handoff_service.queue_entry(handoff, utcnow())
    return HandoffDetail(**entry.model_dump(),
                         messages=[MessageOut.model_validate(m) for m in handoff.messages])


NOT_ACTIVE: dict[int | str, dict[str, Any]] = {
    409: {"description": "the conversation is not active, or someone else has it"}}


@router.post("/handoff/{handoff_id}/take", response_model=QueueEntry,
             responses={409: {"description": "someone else took it, or it is closed"}})
async def take(handoff_id: HandoffId, db_session: SessionDep, settings: SettingsDep,
               staff: LiveStaff, wake_outbox: OutboxWakeDep) -> QueueEntry:
    handoff = await handoff_service.take(db_session=db_session, settings=settings,
                                         handoff_id=handoff_id,
                                         staff=staff.username,
                                         display_name=staff.display_name, now=utcnow())
    wake_outbox()
    return handoff_service.queue_entry(handoff, utcnow())


@router.post("/handoff/{handoff_id}/reply", response_model=MessageOut,
             status_code=status.HTTP_201_CREATED, responses=NOT_ACTIVE)
async def reply(handoff_id: HandoffId, message: MessageIn, db_session: SessionDep, staff: LiveStaff,
                wake_outbox: OutboxWakeDep) -> MessageOut:
    sent = await handoff_service.reply(
        db_session=db_session, handoff_id=handoff_id, staff=staff.username,
        display_name=staff.display_name, text=message.text, now=utcnow(),
        may_override=staff.role in (Role.supervisor, Role.admin))
    wake_outbox()
    return MessageOut.model_validate(sent)


@router.post("/handoff/{handoff_id}/release", response_model=QueueEntry, responses=NOT_ACTIVE)
async def release(handoff_id: HandoffId, db_session: SessionDep, staff: LiveStaff,
                  wake_outbox: OutboxWakeDep) -> QueueEntry:
    """Hand the conversation back to the bot; the customer is told."""
    handoff = await handoff_service.release(
        db_session=db_session, handoff_id=handoff_id, staff=staff.username, now=utcnow(),
        may_override=staff.role in (Role.supervisor, Role.admin))
    wake_outbox()
    return handoff_service.queue_entry(handoff, utcnow())
