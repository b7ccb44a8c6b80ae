"""A ticket's service record after completion: read (staff), verified, confirmed or sent back
by the customer, corrected by staff; and how each ticket came to be resolved.

- Confirm (the customer's signature): only the current version, once. It stores when, the
  channel and the chat (`customer:<channel>:<chat id>`) in the version's content, whose hash
  is taken again; a ticket awaiting confirmation is resolved (by the lifecycle), one resolved
  already (a correction confirmed) stays so. After it the version never changes.
- Not fixed: the ticket awaiting confirmation goes back to work (in_progress, no longer
  awaiting; its resolution clock runs again); a resolved one whose corrected record the
  customer disputes is reopened. The customer's words are an `acceptance_rejected` event
  (encrypted note); words sent after the button are added the same way.
- Correct (staff): the next version, built again from the ticket as it stands (parts fitted,
  payments) with the changes and the reason, sent to the customer to confirm.
- `resolved_by`: the ticket lifecycle's `status_changed` hook (backend/wiring.py) records on
  the ticket how it was resolved; `resolutions` counts them for the statistics.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.kernel.pushes import to_payload
from backend.quotes.errors import QuoteRefused
from backend.service_records import content, faults
from backend.service_records.completion import CHECKLIST, agreed_charge, next_version, write
from backend.service_records.enums import RecordEvent, ResolvedBy
from backend.service_records.errors import (
    CompletionRefused,
    RecordClosed,
    RecordNotCurrent,
)
from backend.service_records.models import ServiceRecord
from backend.service_records.schemas import Correction, RecordContent, Signature, Verification
from backend.sla import service as sla_service
from backend.sla.enums import ACCEPTANCE_ACTOR, SlaEventKind
from backend.tickets import lifecycle
from backend.tickets import service as ticket_service
from backend.tickets.enums import ON_SITE_TYPES, TicketStatus
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)

NO_TICKET = "no such ticket"


# ---- reading ----------------------------------------------------------------------------------

async def versions(*, db_session: AsyncSession, ticket: Ticket) -> list[ServiceRecord]:
    """Every version of the ticket's record, oldest first."""
    return list((await db_session.execute(
        select(ServiceRecord).where(ServiceRecord.ticket_id == ticket.id)
        .order_by(ServiceRecord.version))).scalars())


async def current(db_session: AsyncSession, ticket: Ticket) -> ServiceRecord | None:
    return (await db_session.execute(
        select(ServiceRecord).where(ServiceRecord.ticket_id == ticket.id)
        .order_by(ServiceRecord.version.desc()).limit(1))).scalar_one_or_none()


async def read(*, db_session: AsyncSession, number: str, assignee_id: int | None = None
               ) -> tuple[Ticket, list[ServiceRecord]]:
    """The ticket and its versions (a technician: only a ticket assigned to them). NotFound
    when there is no such ticket or it has no record."""
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                assignee_id=assignee_id)
    if ticket is None:
        raise NotFound(NO_TICKET)
    found = await versions(db_session=db_session, ticket=ticket)
    if not found:
        raise NotFound(f"ticket {ticket.number} has no service record yet")
    return ticket, found


def pick(found: list[ServiceRecord], version: int | None) -> ServiceRecord:
    """The version asked for (None: the current one); NotFound."""
    if version is None:
        return found[-1]
    row = next((r for r in found if r.version == version), None)
    if row is None:
        raise NotFound(f"no version {version} of this service record")
    return row


def verify(ticket: Ticket, row: ServiceRecord) -> Verification:
    """Whether the stored content still gives the stored hash."""
    computed = content.hash_of(row.content)
    return Verification(ticket_number=ticket.number, version=row.version,
                        stored_hash=row.content_hash, computed_hash=computed,
                        matches=computed == row.content_hash)


async def for_customer(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                       number: str) -> tuple[Ticket, ServiceRecord] | None:
    """The customer's ticket and its current version (None: not theirs, or no record)."""
    ticket = await ticket_service.get_for_customer(db_session=db_session, channel=channel,
                                                   chat_id=chat_id, number=number)
    if ticket is None or (row := await current(db_session, ticket)) is None:
        return None
    await db_session.refresh(ticket, ["customer"])  # the language the chat is told in
    return ticket, row


def shown(ticket: Ticket, row: ServiceRecord) -> dict[str, Any]:
    """The version as the customer's chat shows it: the `service_record` push's payload."""
    record = RecordContent.model_validate(row.content)
    return to_payload(content.push(ticket, record, corrected=row.version > 1,
                                   now=row.created_at))


def awaiting(ticket: Ticket) -> bool:
    """The job is done and waits for the customer's confirmation."""
    return (ticket.status == TicketStatus.in_progress
            and ticket.awaiting_acceptance_since is not None)


# ---- the customer ---------------------------------------------------------------------------

async def _answered(db_session: AsyncSession, channel: Channel | str, chat_id: str,
                    number: str, version: int | None
                    ) -> tuple[Ticket, ServiceRecord] | None:
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    row = await current(db_session, ticket)
    if row is None:
        await lifecycle.refuse(db_session, RecordClosed(
            f"ticket {ticket.number} has no service record to answer"))
    assert row is not None
    if version is not None and version != row.version:
        await lifecycle.refuse(db_session, RecordNotCurrent(
            f"version {version} of the service record of {ticket.number} was replaced by "
            f"version {row.version}: answer the current one", record_version=version,
            current_version=row.version))
    return ticket, row


async def confirm(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                  number: str, version: int) -> tuple[Ticket, ServiceRecord] | None:
    """The customer's "Confirm" of `version`: signed, and the ticket resolved if it awaited
    the confirmation. Confirming it again changes nothing. None if the ticket is not theirs;
    RecordNotCurrent, RecordClosed. Commits."""
    found = await _answered(db_session, channel, chat_id, number, version)
    if found is None:
        return None
    ticket, row = found
    if row.signed_at is not None:  # pressed again: as it is (a commit lets the lock go)
        await db_session.commit()
        return ticket, row
    resolve = awaiting(ticket)
    if not resolve and ticket.status not in (TicketStatus.resolved, TicketStatus.closed):
        await lifecycle.refuse(db_session, RecordClosed(
            f"ticket {ticket.number} awaits no confirmation"))
    now, actor = utcnow(), lifecycle.customer_actor(channel, chat_id)
    signature = Signature(signed_at=now, channel=str(channel), chat_actor=actor)
    signed = {**row.content, "signature": signature.model_dump(mode="json")}
    row.content, row.content_hash = signed, content.hash_of(signed)
    row.signed_at, row.signed_channel = now, str(channel)
    lifecycle.record(db_session, ticket, RecordEvent.record_signed, actor=actor, now=now,
                     note=f"v{row.version} sha256:{row.content_hash}", touch=True)
    if resolve:
        await lifecycle.set_status(db_session=db_session, ticket=ticket,
                                   status=TicketStatus.resolved, actor=actor, notify=False,
                                   note=f"service record v{row.version} confirmed")
    else:
        await db_session.commit()
    log.info("ticket %s: service record v%d confirmed", ticket.number, row.version)
    return ticket, row


async def not_fixed(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                    number: str, version: int | None,
                    note: str | None) -> tuple[Ticket, ServiceRecord] | None:
    """The customer's "Not fixed" (with their words, or words added after it): see the
    module. None if the ticket is not theirs; RecordNotCurrent, RecordClosed. Commits."""
    found = await _answered(db_session, channel, chat_id, number, version)
    if found is None:
        return None
    ticket, row = found
    now, actor = utcnow(), lifecycle.customer_actor(channel, chat_id)
    if row.signed_at is not None:
        await lifecycle.refuse(db_session, RecordNotCurrent(
            f"version {row.version} of the service record of {ticket.number} was confirmed "
            "already", record_version=row.version, current_version=row.version))
    if row.rejected_at is not None:  # said already: their words are added
        if note:
            lifecycle.record(db_session, ticket, SlaEventKind.acceptance_rejected, actor=actor,
                             note=note, now=now, touch=True)
        await db_session.commit()
        return ticket, row
    if not awaiting(ticket) and ticket.status != TicketStatus.resolved:
        await lifecycle.refuse(db_session, RecordClosed(
            f"ticket {ticket.number} awaits no confirmation"))
    row.rejected_at = now
    lifecycle.record(db_session, ticket, SlaEventKind.acceptance_rejected, actor=actor,
                     note=note, now=now, touch=True)
    if ticket.status == TicketStatus.resolved:  # a corrected record disputed
        await lifecycle.set_status(db_session=db_session, ticket=ticket, actor=actor,
                                   status=TicketStatus.reopened, notify=False,
                                   note=f"service record v{row.version}: not fixed")
    else:
        ticket.awaiting_acceptance_since = None
        await sla_service.refresh(db_session=db_session, ticket=ticket)
        await db_session.commit()
    log.info("ticket %s: the customer says it is not fixed", ticket.number)
    return ticket, row


# ---- staff ------------------------------------------------------------------------------------

async def correct(*, db_session: AsyncSession, number: str, data: Correction,
                  actor: str) -> ServiceRecord | None:
    """Staff correct the record: version N+1 (see the module), pushed to the customer to
    confirm. None if there is no such ticket; RecordClosed (no record; the job is back with
    the technician; cancelled), CompletionRefused, NotAgreed. Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    row = await current(db_session, ticket)
    if row is None or not (awaiting(ticket) or ticket.status in (TicketStatus.resolved,
                                                                 TicketStatus.closed)):
        await lifecycle.refuse(db_session, RecordClosed(
            f"ticket {ticket.number} has no record to correct" if row is None else
            f"ticket {ticket.number} is {ticket.status}, its job not done: complete it again"))
    assert row is not None
    before = RecordContent.model_validate(row.content)
    code = data.fault_category or before.fault_category.code
    fault = faults.find(ticket.product, code, ticket.type)
    checklist = data.checklist or before.checklist
    if fault is None or not all(getattr(checklist, item) for item in CHECKLIST):
        await lifecycle.refuse(db_session, CompletionRefused(
            f"fault category {code} is not one of the appliance's" if fault is None
            else "the checklist must stay done"))
    assert fault is not None
    work = data.work_items if data.work_items is not None else [
        w.code for w in before.work_items]
    fitted = {part.number: quantity for part, quantity, _ in await content.fitted(db_session,
                                                                                   ticket)}
    agreed = await agreed_charge(db_session, ticket, work, fitted)
    now = utcnow()
    try:
        record = await content.build(
            db_session=db_session, ticket=ticket, version=await next_version(db_session, ticket),
            technician=before.technician, completed_at=before.completed_at,
            diagnosis=data.diagnosis or before.diagnosis, fault=fault, work_items=work,
            checklist=checklist, agreed=agreed, at=now)
    except QuoteRefused as error:
        await lifecycle.refuse(db_session, CompletionRefused(str(error)))
    corrected = write(db_session, ticket, record, actor=actor, now=now, reason=data.reason)
    lifecycle.push(db_session, ticket, content.push(ticket, record, corrected=True, now=now),
                   now)
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: service record corrected, v%d", ticket.number, record.version)
    return corrected


# ---- how tickets were resolved ----------------------------------------------------------------

def resolved_by(ticket_type: str, actor: str) -> ResolvedBy:
    """How a resolution by `actor` counts: the customer's confirmation, the SLA worker's
    timeout, staff overriding (a repair or installation: with a reason), or staff."""
    if actor.startswith("customer:"):
        return ResolvedBy.confirmed
    if actor == ACCEPTANCE_ACTOR:
        return ResolvedBy.timeout
    return ResolvedBy.override if ticket_type in ON_SITE_TYPES else ResolvedBy.staff


async def status_changed(*, db_session: AsyncSession, ticket: Ticket, status: TicketStatus,
                         actor: str, now: datetime) -> None:
    """The lifecycle's `status_changed` hook: `tickets.resolved_by` kept with the status
    (cleared when the ticket is reopened)."""
    if status == TicketStatus.resolved:
        ticket.resolved_by = str(resolved_by(ticket.type, actor))
    elif status == TicketStatus.reopened:
        ticket.resolved_by = None


async def resolutions(*, db_session: AsyncSession, since: datetime | None = None,
                      until: datetime | None = None,
                      ticket_types: tuple[str, ...] = ()) -> dict[ResolvedBy, int]:
    """How many tickets resolved in [since, until) (by `resolved_at`; still resolved or
    closed since) were resolved each way: the statistics count confirmations, timeouts and
    overrides apart."""
    conditions: list[ColumnElement[bool]] = [Ticket.resolved_by.is_not(None)]
    if since is not None:
        conditions.append(Ticket.resolved_at >= since)
    if until is not None:
        conditions.append(Ticket.resolved_at < until)
    if ticket_types:
        conditions.append(Ticket.type.in_(ticket_types))
    rows = (await db_session.execute(
        select(Ticket.resolved_by, func.count()).where(*conditions)
        .group_by(Ticket.resolved_by))).all()
    counts = dict.fromkeys(ResolvedBy, 0)
    counts.update({ResolvedBy(str(how)): count for how, count in rows})
    return counts
