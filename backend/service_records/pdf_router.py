"""The service record as a PDF (backend/service_records/pdf.py): staff download any version
(a technician: of the tickets assigned to them); the bot fetches the current version of its
customer's own ticket, to send where the channel can send files. Thin: the versions come from
the service-record service, the layout from `pdf.render` (run in a worker thread)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from backend.customers.enums import Channel
from backend.customers.models import Customer
from backend.deps import ServiceDep, SessionDep, SettingsDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.service_records import pdf
from backend.service_records import service as record_service
from backend.service_records.enums import READERS
from backend.service_records.models import ServiceRecord
from backend.service_records.schemas import RecordContent
from backend.tickets.models import Ticket

router = APIRouter(prefix="/api/v1", tags=["service records"])

Reader = Annotated[StaffUser, require_roles(*READERS)]
Language = Literal["zh-Hans", "zh-Hant", "en"]
LanguageQuery = Annotated[Language | None, Query(
    description="the PDF's language (default: the customer's)")]
VersionQuery = Annotated[int | None, Query(ge=1, le=10_000,
                                           description="default: the current version")]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the record as a PDF"},
    404: {"description": "no such ticket (a technician: none assigned to them), no record "
                         "yet, or no such version"}}


async def _language(db_session, ticket: Ticket, asked: Language | None) -> str:
    if asked is not None:
        return asked
    customer = await db_session.get(Customer, ticket.customer_id)
    return (customer.language if customer is not None else None) or ticket.language


async def _pdf(ticket: Ticket, row: ServiceRecord, language: str, timezone: str) -> Response:
    content = RecordContent.model_validate(row.content)
    data = await asyncio.to_thread(pdf.render, content, language,
                                   content_hash=row.content_hash, zone=timezone)
    name = f"{ticket.number}-v{row.version}.pdf"
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/tickets/{number}/record.pdf", response_class=Response, responses=PDF)
async def record_pdf(number: str, db_session: SessionDep, settings: SettingsDep,
                     staff: Reader, version: VersionQuery = None,
                     lang: LanguageQuery = None) -> Response:
    """A version of the ticket's service record as a PDF (staff; a technician: a ticket
    assigned to them), in the customer's language unless `lang` says."""
    ticket, found = await record_service.read(db_session=db_session, number=number,
                                              assignee_id=staff.own_tickets_only)
    row = record_service.pick(found, version)
    language = await _language(db_session, ticket, lang)
    await db_session.commit()  # nothing held while rendering
    return await _pdf(ticket, row, language, settings.ticket_timezone)


@router.get("/customers/{channel}/{chat_id}/tickets/{number}/record.pdf",
            response_class=Response, responses=PDF)
async def customer_record_pdf(channel: Channel, chat_id: str, number: str,
                              db_session: SessionDep, settings: SettingsDep, _: ServiceDep,
                              lang: LanguageQuery = None) -> Response:
    """The current version of the service record of this customer's own ticket as a PDF (the
    bot), in the customer's language unless `lang` says."""
    found = await record_service.for_customer(db_session=db_session, channel=channel,
                                              chat_id=chat_id, number=number)
    if found is None:
        raise NotFound("no service record of this customer's ticket")
    ticket, row = found
    language = await _language(db_session, ticket, lang)
    await db_session.commit()
    return await _pdf(ticket, row, language, settings.ticket_timezone)
