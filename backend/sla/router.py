"""Service-level routes: policies and breaches (staff), appointments (staff), the customer's
answer to a job marked done before service records (the bot: buttons already shown; a job is
now completed with its record: backend/service_records/router.py). Thin: validation in
schemas, work in the services; refusals are answered by the exception handlers of
backend/app.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.deps import OutboxWakeDep, ServiceDep, SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.sla import acceptance, appointments
from backend.sla import service as sla_service
from backend.sla.schemas import (
    AppointmentChange,
    BreachOut,
    BreachPage,
    RejectRequest,
    ScheduleRequest,
    SlaPolicyOut,
)
from backend.staff.enums import ALL_ROLES, Role
from backend.tickets import service as ticket_service
from backend.tickets.schemas import TicketCustomerView, TicketDetail

router = APIRouter(prefix="/api/v1", tags=["service levels"])

NOT_FOUND = "no such ticket"
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket for this customer"},
    409: {"description": "the ticket awaits no acceptance"}}

# A technician acts only on the tickets assigned to them (StaffUser.own_tickets_only).
AnyStaff = Annotated[StaffUser, require_roles(*ALL_ROLES)]
BreachReader = Annotated[StaffUser, require_roles(Role.agent, Role.dispatcher, Role.supervisor,
                                                  Role.admin)]


async def _detail(db_session: AsyncSession, number: str) -> TicketDetail:
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                with_events=True)
    return TicketDetail.model_validate(ticket, from_attributes=True)


@router.get("/sla/policies", response_model=list[SlaPolicyOut])
async def list_policies(db_session: SessionDep, _: AnyStaff) -> list[SlaPolicyOut]:
    """The SLA policies, by ticket type, most specific first (staff)."""
    return [SlaPolicyOut.model_validate(p)
            for p in await sla_service.list_policies(db_session=db_session)]


@router.get("/sla/breaches", response_model=BreachPage)
async def list_breaches(db_session: SessionDep, _: BreachReader, open_only: bool = True,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100,
                        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> BreachPage:
    """Breached milestones, newest first. `open_only` (default): those of open tickets whose
    milestone is still unmet, i.e. what needs someone now."""
    breaches, total = await sla_service.list_breaches(db_session=db_session,
                                                      open_only=open_only, limit=limit,
                                                      offset=offset)
    return BreachPage(items=[BreachOut.of(b) for b in breaches], total=total, limit=limit,
                      offset=offset)


@router.post("/tickets/{number}/schedule", response_model=TicketDetail,
             responses={404: {"description": NOT_FOUND},
                        409: {"description": "the ticket cannot be scheduled now"},
                        422: {"description": "the date is over, or the body is invalid"}})
async def schedule(number: str, request: ScheduleRequest, db_session: SessionDep,
                   staff: AnyStaff, wake_outbox: OutboxWakeDep) -> TicketDetail:
    """Agree an appointment with the customer (staff; a technician: only for a ticket assigned
    to them): status `scheduled`, told to the customer; a reminder the day before."""
    ticket = await appointments.schedule(
        db_session=db_session, number=number, day=request.date, window=request.window,
        note=request.note, actor=staff.actor, assignee_id=staff.own_tickets_only,
    )
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    return await _detail(db_session, ticket.number)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/accept",
             response_model=TicketCustomerView, responses=NOT_YOURS)
async def accept(channel: Channel, chat_id: str, number: str, db_session: SessionDep,
                 _: ServiceDep) -> TicketCustomerView:
    """The customer confirms the job is done: resolved (the bot answers; no push)."""
    ticket = await acceptance.accept(db_session=db_session, channel=channel,
                                     chat_id=chat_id, number=number)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/reject",
             response_model=TicketCustomerView, responses=NOT_YOURS)
async def reject(channel: Channel, chat_id: str, number: str, request: RejectRequest,
                 db_session: SessionDep, _: ServiceDep) -> TicketCustomerView:
    """The customer says it is not fixed: back to the technician (still in_progress), an
    `acceptance_rejected` event with their note for staff."""
    ticket = await acceptance.reject(db_session=db_session, channel=channel,
                                     chat_id=chat_id, number=number, note=request.note)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


NO_APPOINTMENT: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket for this customer"},
    409: {"description": "the ticket has no appointment to answer"}}


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/appointment/confirm",
             response_model=TicketCustomerView, responses=NO_APPOINTMENT)
async def confirm_appointment(channel: Channel, chat_id: str, number: str,
                              db_session: SessionDep, _: ServiceDep) -> TicketCustomerView:
    """The customer confirms the appointment staff made (the bot answers; no push)."""
    ticket = await appointments.confirm(db_session=db_session, channel=channel,
                                        chat_id=chat_id, number=number)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/appointment/change",
             response_model=TicketCustomerView, responses=NO_APPOINTMENT)
async def request_appointment_change(channel: Channel, chat_id: str, number: str,
                                     change: AppointmentChange, db_session: SessionDep,
                                     _: ServiceDep) -> TicketCustomerView:
    """The customer asks for another time: kept on the ticket for the dispatcher (the
    appointment stands until staff schedule again)."""
    ticket = await appointments.request_change(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number,
                                               requested=change.requested)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)
