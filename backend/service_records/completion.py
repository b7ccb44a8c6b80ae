"""Completion (完工): the technician records the job done, with the checklist, and the customer
is sent the service record to confirm.

`complete` is one transaction with the ticket locked: the checks (the checklist all done, the
fault category one of the appliance's, the quote agreed: backend/service_records/charges.py),
the ticket moved to in_progress if it was not, the parts fitted taken from the technician's
stock (backend/parts/stock.py: never below zero; a `part_used` event each), the record's next
version written and hashed, the ticket awaiting the customer's confirmation (its resolution
clock waits: backend/sla), and the `service_record` push. Any refusal writes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.parts import catalogue, usage
from backend.parts.errors import PartRefused
from backend.quotes.errors import QuoteRefused
from backend.service_records import charges, content, faults
from backend.service_records.enums import RecordEvent
from backend.service_records.errors import CompletionRefused, NotAgreed
from backend.service_records.models import ServiceRecord
from backend.service_records.schemas import CompleteRequest, PartUsed, RecordContent
from backend.sla.acceptance import CannotComplete
from backend.sla.enums import SlaEventKind
from backend.staff.enums import Role
from backend.staff.models import Staff
from backend.tickets import lifecycle
from backend.tickets.enums import ON_SITE_TYPES, TicketStatus, can_transition
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)

CHECKLIST = ("test_run", "usage_explained", "site_cleaned")


async def next_version(db_session: AsyncSession, ticket: Ticket) -> int:
    latest = (await db_session.execute(select(func.max(ServiceRecord.version)).where(
        ServiceRecord.ticket_id == ticket.id))).scalar_one_or_none()
    return (latest or 0) + 1


def write(db_session: AsyncSession, ticket: Ticket, record: RecordContent, *, actor: str,
          now: datetime, reason: str | None = None) -> ServiceRecord:
    """A new version's row, its hash, and its `record_written` (a correction's:
    `record_corrected`, with the reason) event. Not committed."""
    data = content.stored(record)
    row = ServiceRecord(ticket_id=ticket.id, version=record.version, content=data,
                        content_hash=content.hash_of(data),
                        fault_category=record.fault_category.code, created_by=actor,
                        reason=reason, created_at=now)
    db_session.add(row)
    kind = RecordEvent.record_corrected if reason else RecordEvent.record_written
    lifecycle.record(db_session, ticket, kind, actor=actor, now=now,
                     note=f"v{record.version} sha256:{row.content_hash}"
                          + (f": {reason}" if reason else ""))
    return row


async def agreed_charge(db_session: AsyncSession, ticket: Ticket, work_items: list[str],
                        parts: dict[str, int]) -> charges.Gate:
    """The quotes' gate for this work; refused (rolled back): NotAgreed, CompletionRefused
    (an unknown labour code or part)."""
    try:
        agreed = await charges.gate(db_session=db_session, ticket=ticket,
                                    work_items=work_items, parts=parts)
    except QuoteRefused as error:
        await lifecycle.refuse(db_session, CompletionRefused(str(error)))
    if not agreed.may_complete:
        await lifecycle.refuse(db_session, NotAgreed(agreed.message))
    return agreed


async def _refuse_unless_ready(db_session: AsyncSession, ticket: Ticket,
                               data: CompleteRequest) -> faults.Fault:
    status = TicketStatus(ticket.status)
    if ticket.type not in ON_SITE_TYPES:
        await lifecycle.refuse(db_session, CompletionRefused(
            "only repairs and installations are completed with a service record"))
    if status != TicketStatus.in_progress and not can_transition(status,
                                                                 TicketStatus.in_progress):
        await lifecycle.refuse(db_session,
                               CannotComplete(f"a {status} ticket cannot be marked done"))
    if ticket.awaiting_acceptance_since is not None and status == TicketStatus.in_progress:
        await lifecycle.refuse(db_session, CannotComplete(
            f"ticket {ticket.number} is done already and awaits the customer's confirmation; "
            "correct its record instead (a new version)"))
    missing = [item for item in CHECKLIST if not getattr(data.checklist, item)]
    if missing:
        await lifecycle.refuse(db_session, CompletionRefused(
            f"the checklist is not done: {', '.join(missing)}"))
    fault = faults.find(ticket.product, data.fault_category, ticket.type)
    if fault is None:
        codes = ", ".join(f.code for f in faults.for_category(ticket.product, ticket.type))
        await lifecycle.refuse(db_session, CompletionRefused(
            f"fault category {data.fault_category} is not one of {ticket.product or 'this'} "
            f"ticket's: {codes}"))
    assert fault is not None
    return fault


async def _fit(db_session: AsyncSession, ticket: Ticket, technician: Staff | None,
               used: PartUsed, actor: str, now: datetime) -> None:
    """Take a part fitted from the technician's stock: a `use` movement (NotEnoughStock,
    rolled back, when they hold fewer) and a `part_used` event."""
    if technician is None or technician.role != Role.technician:
        await lifecycle.refuse(db_session, CompletionRefused(
            "parts come from the assigned technician's stock: assign the ticket first"))
    assert technician is not None
    try:
        part = await catalogue.get_active(db_session=db_session, number=used.part_number)
        catalogue.fits(part, ticket.product)
    except (NotFound, PartRefused) as error:
        await lifecycle.refuse(db_session, CompletionRefused(str(error)))
    await usage.fit(db_session, ticket, part, technician, used.quantity, actor=actor, now=now)


async def complete(*, db_session: AsyncSession, number: str, data: CompleteRequest,
                   actor: str, caller_id: int | None, caller_name: str,
                   assignee_id: int | None = None) -> Ticket | None:
    """The job done: see the module. None if there is no such ticket (`assignee_id`: none
    assigned to that staff member). CompletionRefused, CannotComplete, NotAgreed,
    NotEnoughStock. Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await db_session.rollback()
        return None
    fault = await _refuse_unless_ready(db_session, ticket, data)
    fitted = {part.number: quantity for part, quantity, _ in await content.fitted(db_session,
                                                                                   ticket)}
    for used in data.parts:
        fitted[used.part_number] = fitted.get(used.part_number, 0) + used.quantity
    agreed = await agreed_charge(db_session, ticket, data.work_items, fitted)
    now = utcnow()
    if ticket.status != TicketStatus.in_progress:
        await lifecycle.write_status(db_session=db_session, ticket=ticket,
                                     status=TicketStatus.in_progress, note=None, actor=actor,
                                     now=now, notify=False)
    staff_id = ticket.assignee_id or caller_id
    technician = await db_session.get(Staff, staff_id) if staff_id is not None else None
    for used in data.parts:
        await _fit(db_session, ticket, technician, used, actor, now)
    try:
        record = await content.build(
            db_session=db_session, ticket=ticket,
            version=await next_version(db_session, ticket),
            technician=content.technician_of(technician, caller_name), completed_at=now,
            diagnosis=data.diagnosis, fault=fault, work_items=data.work_items,
            checklist=data.checklist, agreed=agreed, at=now)
    except QuoteRefused as error:
        await lifecycle.refuse(db_session, CompletionRefused(str(error)))
    write(db_session, ticket, record, actor=actor, now=now)
    ticket.awaiting_acceptance_since = now
    lifecycle.record(db_session, ticket, SlaEventKind.acceptance_requested, actor=actor,
                     note=data.note, now=now, touch=True)
    lifecycle.push(db_session, ticket, content.push(ticket, record, corrected=False, now=now),
                   now)
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: done, service record v%d sent to confirm", ticket.number,
             record.version)
    return ticket
