"""Service-record routes: the technician's completion, staff reading, verifying and correcting
the record, the fault categories (staff); the customer's confirmation and "not fixed" (the
bot). Thin: validation in schemas, work in completion.py and service.py; refusals are
answered by the exception handlers of backend/app.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.deps import OutboxWakeDep, ServiceDep, SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.knowledge.enums import canonical_product
from backend.service_records import completion, faults
from backend.service_records import service as record_service
from backend.service_records.enums import CORRECTORS, FINISHERS, READERS
from backend.service_records.models import ServiceRecord
from backend.service_records.schemas import (
    CompleteRequest,
    ConfirmRequest,
    Correction,
    FaultList,
    FaultOut,
    NotFixedRequest,
    RecordCustomerView,
    RecordOut,
    Verification,
)
from backend.tickets import service as ticket_service
from backend.tickets.models import Ticket
from backend.tickets.schemas import TicketDetail

router = APIRouter(prefix="/api/v1", tags=["service records"])

NOT_FOUND = "no such ticket"
Version = Annotated[int | None, Query(ge=1, le=10_000, description="default: the current")]
# A technician completes and reads only the tickets assigned to them.
Finisher = Annotated[StaffUser, require_roles(*FINISHERS)]
Reader = Annotated[StaffUser, require_roles(*READERS)]
Corrector = Annotated[StaffUser, require_roles(*CORRECTORS)]
CUSTOMER: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket for this customer"},
    409: {"description": "that version was replaced or answered, or the ticket awaits no "
                         "confirmation"}}


@router.post("/tickets/{number}/complete", response_model=TicketDetail,
             responses={404: {"description": NOT_FOUND},
                        409: {"description": "the ticket is not being worked on, is done "
                                             "already, its quote waits for the customer, or "
                                             "the technician holds too few of a part"},
                        422: {"description": "a checklist item not done, a fault category "
                                             "not of the appliance, an unknown labour code or "
                                             "part"}})
async def complete(number: str, request: CompleteRequest, db_session: SessionDep,
                   staff: Finisher, wake_outbox: OutboxWakeDep) -> TicketDetail:
    """The technician records the job done (a technician: only a ticket assigned to them):
    the parts fitted come off their stock, the service record's next version is written, and
    the customer is sent it to confirm (the ticket awaits their confirmation)."""
    ticket = await completion.complete(
        db_session=db_session, number=number, data=request, actor=staff.actor,
        caller_id=staff.staff_id, caller_name=staff.display_name,
        assignee_id=staff.own_tickets_only)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    detail = await ticket_service.get_by_number(db_session=db_session, number=ticket.number,
                                                with_events=True)
    return TicketDetail.model_validate(detail, from_attributes=True)


@router.get("/service-records/faults", response_model=FaultList)
async def list_faults(_: Reader, category: Annotated[str | None, Query(max_length=20)] = None,
                      ticket_type: Annotated[str | None, Query(max_length=24)] = None
                      ) -> FaultList:
    """The fault categories a job on this product category (any spelling) may be recorded
    with; an installation may also be `INSTALLED`; no or an unknown category: the common
    ones."""
    return FaultList(category=canonical_product(category) if category else "",
                     faults=[FaultOut(code=f.code, names=f.names)
                             for f in faults.for_category(category, ticket_type)])


async def _read(db_session: AsyncSession, number: str, staff: StaffUser, version: int | None
                ) -> tuple[Ticket, ServiceRecord, list[ServiceRecord]]:
    ticket, versions = await record_service.read(db_session=db_session, number=number,
                                                 assignee_id=staff.own_tickets_only)
    return ticket, record_service.pick(versions, version), versions


@router.get("/tickets/{number}/record", response_model=RecordOut,
            responses={404: {"description": "no such ticket, record or version"}})
async def get_record(number: str, db_session: SessionDep, staff: Reader,
                     version: Version = None) -> RecordOut:
    """A version of the ticket's service record (default: the current one) and the list of
    its versions (staff; a technician: a ticket assigned to them)."""
    ticket, row, versions = await _read(db_session, number, staff, version)
    return RecordOut.of(ticket.number, row, versions)


@router.get("/tickets/{number}/record/verify", response_model=Verification,
            responses={404: {"description": "no such ticket, record or version"}})
async def verify_record(number: str, db_session: SessionDep, staff: Reader,
                        version: Version = None) -> Verification:
    """Recompute a version's sha256 from its stored content: `matches` false means the
    stored version was changed outside the record's own writes."""
    ticket, row, _ = await _read(db_session, number, staff, version)
    return record_service.verify(ticket, row)


@router.post("/tickets/{number}/record/versions", response_model=RecordOut,
             status_code=201,
             responses={404: {"description": NOT_FOUND},
                        409: {"description": "no record yet, the job is back with the "
                                             "technician, or its quote waits"},
                        422: {"description": "a fault category not of the appliance, an "
                                             "unknown labour code, or the body is invalid"}})
async def correct_record(number: str, correction: Correction, db_session: SessionDep,
                         staff: Corrector, wake_outbox: OutboxWakeDep) -> RecordOut:
    """Correct the record (dispatcher, supervisor, admin), with the reason: the next version,
    sent to the customer to confirm. Earlier versions never change."""
    row = await record_service.correct(db_session=db_session, number=number,
                                       data=correction, actor=staff.actor)
    if row is None:
        raise NotFound(NOT_FOUND)
    wake_outbox()
    ticket, found, versions = await _read(db_session, number, staff, row.version)
    return RecordOut.of(ticket.number, found, versions)


def _view(ticket: Ticket, row: ServiceRecord) -> RecordCustomerView:
    return RecordCustomerView(
        ticket_number=ticket.number, version=row.version, status=ticket.status,
        signed=row.signed_at is not None,
        awaiting_confirmation=row.signed_at is None and row.rejected_at is None and (
            record_service.awaiting(ticket) or ticket.status in ("resolved", "closed")),
        record=record_service.shown(ticket, row))


@router.get("/customers/{channel}/{chat_id}/tickets/{number}/record",
            response_model=RecordCustomerView,
            responses={404: {"description": "no such ticket for this customer, or no record"}})
async def customer_record(channel: Channel, chat_id: str, number: str, db_session: SessionDep,
                          _: ServiceDep) -> RecordCustomerView:
    """The current version of the customer's ticket's record, as their chat shows it."""
    found = await record_service.for_customer(db_session=db_session, channel=channel,
                                              chat_id=chat_id, number=number)
    if found is None:
        raise NotFound("no service record of that ticket for this customer")
    return _view(*found)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/record/confirm",
             response_model=RecordCustomerView, responses=CUSTOMER)
async def confirm_record(channel: Channel, chat_id: str, number: str, answer: ConfirmRequest,
                         db_session: SessionDep, _: ServiceDep) -> RecordCustomerView:
    """The customer's "Confirm" of the version they were shown: their signature (time,
    channel, chat); the ticket resolved if it awaited it (the bot answers; no push)."""
    found = await record_service.confirm(db_session=db_session, channel=channel,
                                         chat_id=chat_id, number=number, version=answer.version)
    if found is None:
        raise NotFound(NOT_FOUND)
    return _view(*found)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/record/not-fixed",
             response_model=RecordCustomerView, responses=CUSTOMER)
async def record_not_fixed(channel: Channel, chat_id: str, number: str,
                           answer: NotFixedRequest, db_session: SessionDep,
                           _: ServiceDep) -> RecordCustomerView:
    """The customer's "Not fixed": back to the technician, their words kept (encrypted) for
    staff; words sent afterwards are added."""
    found = await record_service.not_fixed(db_session=db_session, channel=channel,
                                           chat_id=chat_id, number=number,
                                           version=answer.version, note=answer.note)
    if found is None:
        raise NotFound(NOT_FOUND)
    return _view(*found)
