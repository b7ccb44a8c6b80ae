"""A record version's content: built from the ticket, hashed, and told to the customer.

`content_hash` is the sha256 (hex) of the canonical JSON of the content as stored: keys sorted,
no spaces, UTF-8, dates and times as ISO strings, amounts as integers. Anyone holding the
content can recompute it (`hash_of`); a stored version whose content no longer gives its hash
was changed outside the record's own writes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel import business_calendar
from backend.kernel.pushes import RecordLine, ServiceRecordSent, Technician
from backend.parts.enums import MovementKind
from backend.parts.models import Part, StockMovement
from backend.products.models import CustomerProduct
from backend.quotes import pricing
from backend.quotes.enums import LineKind
from backend.service_records import charges
from backend.service_records.faults import Fault
from backend.service_records.schemas import (
    ChargeOf,
    Checklist,
    FaultOf,
    Names,
    PartOf,
    ProductOf,
    RecordContent,
    TechnicianOf,
    WarrantyOf,
    WorkItemOf,
)
from backend.staff.models import Staff
from backend.tickets import lifecycle
from backend.tickets.models import Ticket


def canonical(content: dict[str, Any]) -> bytes:
    """The content's canonical JSON: what its hash is taken of."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def hash_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def stored(content: RecordContent) -> dict[str, Any]:
    """The content as it is stored and hashed (JSON types only)."""
    return content.model_dump(mode="json")


def technician_of(staff: Staff | None, caller_name: str) -> TechnicianOf:
    """Who did the work: the ticket's assignee (or the staff member completing it)."""
    if staff is None:
        return TechnicianOf(name=caller_name)
    return TechnicianOf(name=staff.display_name,
                        staff_number=getattr(staff, "staff_number", None))


async def product_of(db_session: AsyncSession, ticket: Ticket) -> ProductOf:
    product = (await db_session.get(CustomerProduct, ticket.product_id)
               if ticket.product_id is not None else None)
    if product is None:
        return ProductOf(category=ticket.product)
    return ProductOf(category=ticket.product or product.category, brand=product.brand,
                     model=product.model, serial=product.serial)


async def fitted(db_session: AsyncSession, ticket: Ticket) -> list[tuple[Part, int, date | None]]:
    """The parts fitted on the ticket (the ledger's uses), per part: how many, and the end of
    the latest one's parts warranty."""
    rows = (await db_session.execute(
        select(Part, StockMovement.quantity, StockMovement.warranty_until)
        .join(StockMovement, StockMovement.part_id == Part.id)
        .where(StockMovement.ticket_id == ticket.id,
               StockMovement.kind == str(MovementKind.use))
        .order_by(StockMovement.id))).all()
    fitted: dict[int, tuple[Part, int, date | None]] = {}
    for part, quantity, until in rows:
        _, before, latest = fitted.get(part.id, (part, 0, None))
        fitted[part.id] = (part, before + quantity, max(filter(None, (latest, until)),
                                                         default=None))
    return list(fitted.values())


def _part_names(part: Part) -> Names:
    return Names.of(part.name_zh_hans, part.name_zh_hant or part.name_zh_hans,
                    part.name_en or part.name_zh_hans)


async def build(*, db_session: AsyncSession, ticket: Ticket, version: int,
                technician: TechnicianOf, completed_at: datetime, diagnosis: str, fault: Fault,
                work_items: list[str], checklist: Checklist, agreed: charges.Gate,
                at: datetime) -> RecordContent:
    """The content of a version, as things stand `at`: the work items priced as agreed,
    every part fitted on the ticket, the payments recorded, the warranties. QuoteRefused for
    a labour code the fee standard does not have for the ticket's appliance."""
    work = []
    for code in work_items:
        line = await charges.price(db_session=db_session, ticket=ticket, agreed=agreed,
                                   kind=LineKind.labour, code=code, quantity=1, at=at)
        work.append(WorkItemOf(code=code, names=line.names, amount=line.amount,
                               in_warranty=line.in_warranty,
                               warranty_reason=line.warranty_reason))
    parts = []
    for part, quantity, until in await fitted(db_session, ticket):
        line = await charges.price(db_session=db_session, ticket=ticket, agreed=agreed,
                                   kind=LineKind.part, code=part.number, quantity=quantity,
                                   names=_part_names(part), at=at)
        parts.append(PartOf(part_number=part.number, names=line.names, quantity=quantity,
                            amount=line.amount, in_warranty=line.in_warranty,
                            warranty_until=until, warranty_reason=line.warranty_reason))
    paid = await charges.paid(db_session=db_session, ticket=ticket)
    cover = await pricing.cover_of(db_session, ticket,
                                   business_calendar.current().local_date(at))
    return RecordContent(
        ticket_number=ticket.number, ticket_type=ticket.type, version=version,
        product=await product_of(db_session, ticket), technician=technician,
        completed_at=completed_at, diagnosis=diagnosis,
        fault_category=FaultOf(code=fault.code, names=fault.names), work_items=work,
        parts=parts, checklist=checklist,
        charge=ChargeOf(currency=agreed.currency, total=agreed.total, paid=paid.amount,
                        payment_method=paid.method, receipt_number=paid.receipt_number),
        warranty=WarrantyOf(product_until=cover.whole_unit_until,
                            parts_until=max((p.warranty_until for p in parts
                                             if p.warranty_until), default=None)),
    )


def push(ticket: Ticket, content: RecordContent, *, corrected: bool,
         now: datetime) -> ServiceRecordSent:
    """The record as the customer's chat shows it: everything but the diagnosis and the
    product's serial number (free text and identifiers stay with staff)."""
    def names(of: Names) -> dict[str, str]:
        return of.model_dump(mode="json")

    return ServiceRecordSent(
        **lifecycle.to_customer(ticket), ticket_type=ticket.type, occurred_at=now,
        version=content.version, corrected=corrected,
        technician=Technician(name=content.technician.name,
                              staff_number=content.technician.staff_number),
        fault=names(content.fault_category.names),
        work_items=[RecordLine(code=w.code, names=names(w.names), amount=w.amount,
                               in_warranty=w.in_warranty, warranty_reason=w.warranty_reason)
                    for w in content.work_items],
        parts=[RecordLine(code=p.part_number, names=names(p.names), quantity=p.quantity,
                          amount=p.amount, in_warranty=p.in_warranty,
                          warranty_reason=p.warranty_reason, warranty_until=p.warranty_until)
               for p in content.parts],
        currency=content.charge.currency, total=content.charge.total,
        paid=content.charge.paid, product_warranty_until=content.warranty.product_until,
        parts_warranty_until=content.warranty.parts_until)
