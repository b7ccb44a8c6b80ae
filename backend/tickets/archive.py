"""The customer's archive for staff, beside one of their tickets: the products their tickets
name, with the warranty their policies give, and their other tickets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Language
from backend.customers.models import Customer
from backend.customers.schemas import (
    ArchiveTicket,
    CustomerArchive,
    CustomerOut,
    ProductRecord,
    PurchaseBasis,
    WarrantyStatus,
)
from backend.kernel import business_calendar as sla_calendar
from backend.kernel.database import utcnow
from backend.products.enums import Region
from backend.products.models import WarrantyPolicy
from backend.tickets.models import Ticket

# A purchase (invoice) date a ticket's details may carry, ISO (2025-03-18).
PURCHASE_DATE_DETAIL = "purchase_date"
ARCHIVE_TICKETS = 50


@dataclass(frozen=True)
class WarrantyTerms:
    whole_unit_years: int | None
    main_parts_years: int | None


async def warranty_terms(*, db_session: AsyncSession) -> dict[str | None, WarrantyTerms]:
    """The mainland's warranty periods by product, from the warranty policies (the knowledge
    base's answers are rendered from the same rows); None: the terms most products share, for
    a product without a policy of its own."""
    statement = select(WarrantyPolicy).where(WarrantyPolicy.region == Region.mainland)
    terms: dict[str | None, WarrantyTerms] = {
        policy.category: WarrantyTerms(
            policy.whole_unit_months // 12,
            max(policy.main_parts_months or 0, policy.whole_unit_months) // 12)
        for policy in (await db_session.execute(statement)).scalars()}
    common = Counter(terms.values()).most_common(1)
    terms[None] = common[0][0] if common else WarrantyTerms(None, None)
    return terms


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _purchase(tickets: list[Ticket], calendar: sla_calendar.BusinessCalendar,
              ) -> tuple[date | None, PurchaseBasis | None]:
    """When the product was bought: a purchase date a ticket recorded, else the date of its
    earliest installation ticket."""
    for ticket in tickets:
        try:
            return date.fromisoformat((ticket.details or {})[PURCHASE_DATE_DETAIL]), \
                "purchase_date"
        except (KeyError, TypeError, ValueError):
            continue
    installs = [t.created_at for t in tickets if t.type == "installation"]
    if installs:
        return calendar.local_date(min(installs)), "installation"
    return None, None


def product_record(product: str, tickets: list[Ticket], terms: WarrantyTerms, *,
                   today: date, calendar: sla_calendar.BusinessCalendar) -> ProductRecord:
    purchased, basis = _purchase(tickets, calendar)
    until = main_until = None
    status: WarrantyStatus = "unknown"
    if purchased is not None and terms.whole_unit_years is not None:
        until = _years_later(purchased, terms.whole_unit_years)
        main_until = (_years_later(purchased, terms.main_parts_years)
                      if terms.main_parts_years is not None else None)
        if today <= until:
            status = "in_warranty"
        elif main_until is not None and today <= main_until:
            status = "main_parts_only"
        else:
            status = "expired"
    return ProductRecord(
        product=product, tickets=len(tickets),
        first_seen=calendar.local_date(min(t.created_at for t in tickets)),
        purchased=purchased, purchased_basis=basis, warranty_years=terms.whole_unit_years,
        main_parts_years=terms.main_parts_years, warranty_until=until,
        main_parts_until=main_until, warranty_status=status)


async def archive(*, db_session: AsyncSession, customer: Customer, exclude_ticket_id: int,
                  today: date | None = None) -> CustomerArchive:
    """The customer's archive for staff: the products their tickets name (with the warranty
    their policies give, counted from a recorded purchase date or the installation),
    and their other tickets, newest first (the latest ARCHIVE_TICKETS)."""
    calendar = sla_calendar.current()
    today = today or calendar.local_date(utcnow())
    statement = (select(Ticket).where(Ticket.customer_id == customer.id)
                 .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
    tickets = list((await db_session.execute(statement)).scalars())
    terms = await warranty_terms(db_session=db_session)
    general = terms.get(None, WarrantyTerms(None, None))
    by_product: dict[str, list[Ticket]] = {}
    for ticket in reversed(tickets):  # oldest first: the first-seen order
        if ticket.product:
            by_product.setdefault(ticket.product, []).append(ticket)
    return CustomerArchive(
        customer=CustomerOut(id=customer.id, display_name=customer.display_name,
                             language=Language(customer.language)),
        products=[product_record(product, owned, terms.get(product, general), today=today,
                                 calendar=calendar)
                  for product, owned in by_product.items()],
        tickets=[ArchiveTicket.model_validate(t) for t in tickets
                 if t.id != exclude_ticket_id][:ARCHIVE_TICKETS],
    )
