"""Ticket routes: the bot's (service) and staff's (roles declared on each route; a technician
sees and changes only the tickets assigned to them). Thin: validation in schemas, work in
service; refusals are answered by the exception handlers of backend/app.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response, status

from backend.customers.enums import Channel
from backend.customers.schemas import CustomerArchive
from backend.deps import (
    OutboxWakeDep,
    ServiceDep,
    SessionDep,
    SettingsDep,
    StaffUser,
    require_roles,
)
from backend.errors import NotFound
from backend.staff import service as staff_service
from backend.staff.enums import ALL_ROLES, Role
from backend.text import NoControl
from backend.tickets import actions, archive
from backend.tickets import service as ticket_service
from backend.tickets.enums import (
    EscalationTarget,
    SlaState,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from backend.tickets.errors import NoSuchStaff
from backend.tickets.schemas import (
    AssignRequest,
    CancelRequest,
    EscalateRequest,
    ExpediteAnswer,
    FeedbackRequest,
    NoteRequest,
    ProductOnSite,
    ReplyRequest,
    StatusChange,
    TicketCreate,
    TicketCustomerView,
    TicketDetail,
    TicketPage,
    TicketSummary,
)

router = APIRouter(prefix="/api/v1", tags=["tickets"])

NOT_FOUND = "no such ticket"
# A technician acts only on the tickets assigned to them (StaffUser.own_tickets_only).
AnyStaff = Annotated[StaffUser, require_roles(*ALL_ROLES)]


def _detail(ticket) -> TicketDetail:
    return TicketDetail.model_validate(ticket, from_attributes=True)


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=TicketCustomerView,
             responses={200: {"description": "replay of an earlier request with this key",
                              "model": TicketCustomerView},
                        400: {"description": "Idempotency-Key header missing"},
                        409: {"description": "Idempotency-Key used for a different request"}})
async def create_ticket(
    data: TicketCreate, response: Response, db_session: SessionDep, settings: SettingsDep,
    _: ServiceDep, wake_outbox: OutboxWakeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> TicketCustomerView:
    """Create a ticket for the customer behind a chat (the bot calls this). Send the same
    `Idempotency-Key` when retrying: the first ticket comes back (200, `Idempotent-Replayed:
    true`) instead of a second one. A complaint is assigned to a supervisor at once."""
    if not idempotency_key or not idempotency_key.strip():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the Idempotency-Key header is required")
    result = await ticket_service.create_ticket(
        db_session=db_session, data=data, idempotency_key=idempotency_key.strip(),
        timezone=settings.ticket_timezone, alert_chat_id=settings.staff_alert_chat_id,
    )
    if result.created and result.ticket.type == TicketType.complaint:
        wake_outbox()  # the supervisors' alert
    if not result.created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return TicketCustomerView.of(result.ticket)


@router.get("/customers/{channel}/{chat_id}/tickets", response_model=list[TicketCustomerView])
async def list_customer_tickets(channel: Channel, chat_id: str, db_session: SessionDep,
                                _: ServiceDep, open_only: bool = False,
                                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                                ) -> list[TicketCustomerView]:
    """The tickets of the customer behind this chat, newest first."""
    tickets = await ticket_service.list_for_customer(
        db_session=db_session, channel=channel, chat_id=chat_id, open_only=open_only,
        limit=limit,
    )
    return [TicketCustomerView.of(ticket) for ticket in tickets]


@router.get("/customers/{channel}/{chat_id}/tickets/{number}", response_model=TicketCustomerView,
            responses={404: {"description": "no such ticket for this customer"}})
async def get_customer_ticket(channel: Channel, chat_id: str, number: str,
                              db_session: SessionDep, _: ServiceDep) -> TicketCustomerView:
    """One ticket of this customer; `number` in any spelling (`rs202611240007`)."""
    ticket = await ticket_service.get_for_customer(db_session=db_session, channel=channel,
                                                   chat_id=chat_id, number=number)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket for this customer"}}


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/cancel",
             response_model=TicketCustomerView,
             responses={**NOT_YOURS, 409: {"description": "past cancelling"}})
async def cancel_customer_ticket(channel: Channel, chat_id: str, number: str,
                                 request: CancelRequest, db_session: SessionDep,
                                 _: ServiceDep) -> TicketCustomerView:
    """The customer cancels their ticket (not pushed back: the bot confirms it itself)."""
    ticket = await actions.cancel_by_customer(
        db_session=db_session, channel=channel, chat_id=chat_id, number=number,
        reason=request.reason,
    )
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/expedite",
             response_model=ExpediteAnswer,
             responses={**NOT_YOURS, 409: {"description": "the ticket is no longer open"}})
async def expedite_customer_ticket(channel: Channel, chat_id: str, number: str,
                                   db_session: SessionDep, _: ServiceDep) -> ExpediteAnswer:
    """The customer chases their open ticket up: at least high priority, and a record entry."""
    result = await actions.expedite(db_session=db_session, channel=channel, chat_id=chat_id,
                                    number=number)
    if result is None:
        raise NotFound(NOT_FOUND)
    return ExpediteAnswer(ticket=TicketCustomerView.of(result.ticket),
                          priority_raised=result.priority_raised,
                          act_within_hours=result.act_within_hours)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/feedback",
             response_model=TicketCustomerView, status_code=status.HTTP_201_CREATED,
             responses=NOT_YOURS)
async def feedback_on_customer_ticket(channel: Channel, chat_id: str, number: str,
                                      feedback: FeedbackRequest, db_session: SessionDep,
                                      _: ServiceDep) -> TicketCustomerView:
    """The customer's praise or comment on their ticket, kept in its service record."""
    ticket = await actions.record_feedback(
        db_session=db_session, channel=channel, chat_id=chat_id, number=number,
        kind=feedback.kind, text=feedback.text,
    )
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return TicketCustomerView.of(ticket)


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(db_session: SessionDep, staff: AnyStaff,
                       status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
                       type_: Annotated[TicketType | None, Query(alias="type")] = None,
                       sla_state: SlaState | None = None,
                       priority: TicketPriority | None = None,
                       outlet: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                       assignee: Annotated[str | None, NoControl, Query(
                           min_length=1, max_length=64,
                           description="a username, `me` or `none` (unassigned)")] = None,
                       escalated_to: EscalationTarget | None = None,
                       sort: Literal["created", "due"] = "created",
                       limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> TicketPage:
    """All tickets, newest first or (`sort=due`) soonest due first (staff; a technician: those
    assigned to them). `sla_state`: on_track, nearly_due or overdue, against the next pending
    milestone; `outlet`: the outlet's id (confirmed, else proposed); `escalated_to`: a team."""
    if assignee is not None and assignee.strip().lower() == "me":
        assignee = staff.username
    tickets, total = await ticket_service.list_tickets(
        db_session=db_session, status=status_, ticket_type=type_,
        assignee_id=staff.own_tickets_only, sla_state=sla_state, priority=priority,
        outlet_id=outlet, assignee=assignee.strip() if assignee else None,
        escalated_to=escalated_to, by_due=sort == "due", limit=limit, offset=offset,
    )
    return TicketPage(items=[TicketSummary.model_validate(t) for t in tickets], total=total,
                      limit=limit, offset=offset)


@router.get("/tickets/{number}", response_model=TicketDetail,
            responses={404: {"description": "no such ticket"}})
async def get_ticket(number: str, db_session: SessionDep, staff: AnyStaff) -> TicketDetail:
    """A ticket with contact data and its service record (staff; a technician: only one
    assigned to them, else 404)."""
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                with_events=True,
                                                assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return _detail(ticket)


@router.post("/tickets/{number}/status", response_model=TicketDetail,
             responses={404: {"description": "no such ticket"},
                        409: {"description": "this status may not follow the current one"},
                        422: {"description": "a repair or installation resolved without an "
                                             "override_reason"}})
async def change_status(number: str, change: StatusChange, db_session: SessionDep,
                        staff: AnyStaff, wake_outbox: OutboxWakeDep) -> TicketDetail:
    """Move a ticket to a new status (staff; a technician: only one assigned to them, else
    404). The customer's chat hears about it. A repair or installation is resolved by the
    customer confirming its service record: staff resolving it say why (`override_reason`)."""
    ticket = await actions.change_status(
        db_session=db_session, number=number, status=change.status, note=change.note,
        actor=staff.actor, assignee_id=staff.own_tickets_only,
        override_reason=change.override_reason,
    )
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    ticket = await ticket_service.get_by_number(db_session=db_session, number=ticket.number,
                                                with_events=True)
    return _detail(ticket)


@router.post("/tickets/{number}/assign", response_model=TicketDetail,
             responses={404: {"description": "no such ticket"},
                        409: {"description": "the ticket is no longer open"},
                        422: {"description": "no active staff account of that username"}})
async def assign_ticket(number: str, request: AssignRequest, db_session: SessionDep,
                        staff: Annotated[StaffUser, require_roles(Role.dispatcher,
                                                                  Role.supervisor, Role.admin)],
                        wake_outbox: OutboxWakeDep) -> TicketDetail:
    """Give an open ticket to a staff member (an `assigned` event); a new ticket moves to
    `assigned`, which the customer's chat hears about."""
    assignee = await staff_service.get_by_username(db_session=db_session,
                                                   username=request.assignee)
    if assignee is None or not assignee.active:
        raise NoSuchStaff("no active staff account of that username")
    ticket = await actions.assign(db_session=db_session, number=number, assignee=assignee,
                                  actor=staff.actor)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    ticket = await ticket_service.get_by_number(db_session=db_session, number=ticket.number,
                                                with_events=True)
    return _detail(ticket)


async def _reloaded(db_session, number: str) -> TicketDetail:
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                with_events=True)
    return _detail(ticket)


@router.get("/tickets/{number}/archive", response_model=CustomerArchive,
            responses={404: {"description": "no such ticket"}})
async def customer_archive(number: str, db_session: SessionDep,
                           staff: AnyStaff) -> CustomerArchive:
    """The ticket's customer: the products they own with their warranty, and their other
    tickets (staff; a technician: only for a ticket assigned to them)."""
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                with_events=True,
                                                assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return await archive.archive(db_session=db_session, customer=ticket.customer,
                                          exclude_ticket_id=ticket.id)


@router.post("/tickets/{number}/notes", response_model=TicketDetail,
             status_code=status.HTTP_201_CREATED,
             responses={404: {"description": "no such ticket"}})
async def add_note(number: str, note: NoteRequest, db_session: SessionDep,
                   staff: AnyStaff) -> TicketDetail:
    """An internal note for staff (a technician: on a ticket assigned to them); never shown
    or sent to the customer."""
    ticket = await actions.add_note(db_session=db_session, number=number,
                                           text=note.text, actor=staff.actor,
                                           assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return await _reloaded(db_session, ticket.number)


@router.post("/tickets/{number}/product", response_model=TicketDetail,
             responses={404: {"description": "no such ticket"},
                        422: {"description": "the ticket names no appliance we register"}})
async def confirm_product(number: str, reading: ProductOnSite, db_session: SessionDep,
                          staff: AnyStaff) -> TicketDetail:
    """The model and serial number read off the appliance on site (a technician: on a ticket
    assigned to them): the customer's product is corrected, or registered from the ticket."""
    ticket = await actions.confirm_product(
        db_session=db_session, number=number, model=reading.model, serial=reading.serial,
        actor=staff.actor, assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    return await _reloaded(db_session, ticket.number)


@router.post("/tickets/{number}/reply", response_model=TicketDetail,
             status_code=status.HTTP_201_CREATED,
             responses={404: {"description": "no such ticket"}})
async def reply_to_customer(number: str, reply: ReplyRequest, db_session: SessionDep,
                            staff: AnyStaff, wake_outbox: OutboxWakeDep) -> TicketDetail:
    """Write to the customer in the chat the ticket came from, outside a live conversation
    (a technician: about a ticket assigned to them); kept in the service record."""
    ticket = await actions.reply_to_customer(
        db_session=db_session, number=number, text=reply.text, actor=staff.actor,
        display_name=staff.display_name, assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    return await _reloaded(db_session, ticket.number)


@router.post("/tickets/{number}/escalate", response_model=TicketDetail,
             responses={404: {"description": "no such ticket"},
                        409: {"description": "the ticket is no longer open"},
                        422: {"description": "no reason, or the person named is no active "
                                             "member of that team"}})
async def escalate(number: str, request: EscalateRequest, db_session: SessionDep,
                   settings: SettingsDep, staff: AnyStaff,
                   wake_outbox: OutboxWakeDep) -> TicketDetail:
    """Escalate to a supervisor or another team with the reason (a technician: a ticket
    assigned to them); naming a person of that team assigns it to them. The supervisors'
    chat hears of escalations to them."""
    assignee = None
    if request.assignee:
        assignee = await staff_service.get_by_username(db_session=db_session,
                                                       username=request.assignee)
        if assignee is None:
            raise NoSuchStaff("no staff account of that username")
    ticket = await actions.escalate(
        db_session=db_session, number=number, target=request.to, assignee=assignee,
        reason=request.reason, actor=staff.actor,
        alert_chat_id=settings.staff_alert_chat_id, assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    return await _reloaded(db_session, ticket.number)
