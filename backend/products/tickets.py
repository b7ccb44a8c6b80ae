"""Tickets about a product the customer registered (客户档案 linked to the service record).

- A new ticket naming one of the customer's products (`product_id`, offered by the bot) is
  linked to it; a product that is not theirs is not. A repair ticket keeps the warranty the
  product had that day, which staff quote and the customer is told.
- An installation completed records the product as installed (the linked one, or a new one
  of the ticket's category: source technician), so the installation date and address are in
  the archive.
- A technician on site confirms or corrects the model and serial (`confirm_on_site`).

The ticket lifecycle calls the first two as hooks (backend/wiring.py), inside its transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel import business_calendar
from backend.kernel.database import utcnow
from backend.products import warranty
from backend.products.enums import Region, Source
from backend.products.models import CustomerProduct, WarrantyPolicy
from backend.products.service import normalised_serial, set_serial, terms_of
from nlu.entities import PRODUCTS, canonical_product

# Ticket types and statuses by value: backend.tickets must not be imported here (it imports us
# through the hooks' wiring only, but its enums would make products depend on tickets).
REPAIR, INSTALLATION, RESOLVED = "repair", "installation", "resolved"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _today() -> date:
    return business_calendar.current().local_date(utcnow())


async def _policy(db_session: AsyncSession, product: CustomerProduct) -> WarrantyPolicy | None:
    statement = select(WarrantyPolicy).where(WarrantyPolicy.category == product.category,
                                             WarrantyPolicy.region == product.region)
    return (await db_session.execute(statement)).scalar_one_or_none()


async def warranty_snapshot(db_session: AsyncSession, product: CustomerProduct,
                            today: date) -> dict:
    """The product (what the chat names it by) and its warranty on `today`, as the ticket
    keeps it (dates ISO)."""
    policy = await _policy(db_session, product)
    status = warranty.status(product.purchase_date, terms_of(policy), today)
    return {"category": product.category, "brand": product.brand, "model": product.model,
            "coverage": str(status.coverage), "as_of": today.isoformat(),
            "purchase_date": _iso(product.purchase_date),
            "whole_unit_until": _iso(status.whole_unit_until),
            "main_parts_until": _iso(status.main_parts_until),
            "main_parts": list(policy.main_parts) if policy else []}


async def _on_site(db_session: AsyncSession, ticket) -> CustomerProduct | None:
    """The product the ticket is about: the linked one, else a new one of the ticket's
    category (source technician: it is seen on site), linked. None for an appliance we keep
    no policy for (staff register it if they wish)."""
    if ticket.product_id and (product := await db_session.get(CustomerProduct,
                                                               ticket.product_id)):
        return product
    category = canonical_product(ticket.product or "")
    if category not in PRODUCTS:
        return None
    product = CustomerProduct(customer_id=ticket.customer_id, category=category,
                              region=str(Region.mainland), source=str(Source.technician))
    db_session.add(product)
    await db_session.flush()
    ticket.product_id = product.id
    return product


async def ticket_created(*, db_session: AsyncSession, ticket, customer) -> None:
    """`created` hook: link the ticket to the customer's product it names, if it is theirs."""
    if ticket.product_id is None:
        return
    product = await db_session.get(CustomerProduct, ticket.product_id)
    if product is None or customer.id is None or product.customer_id != customer.id:
        ticket.product_id = None  # not theirs (or gone): the ticket stands without the link
        return
    ticket.product = product.category
    if ticket.type == REPAIR:
        ticket.warranty = await warranty_snapshot(db_session, product, _today())


async def ticket_status_changed(*, db_session: AsyncSession, ticket, status: str, actor: str,
                                now: datetime) -> None:
    """`status_changed` hook: an installation completed is in the customer's archive."""
    if ticket.type != INSTALLATION or str(status) != RESOLVED:
        return
    product = await _on_site(db_session, ticket)
    if product is None:
        return
    installed_on = business_calendar.current().local_date(now)
    product.installed_on = product.installed_on or installed_on
    product.install_address = product.install_address or ticket.address


async def confirm_on_site(*, db_session: AsyncSession, ticket, model: str | None,
                          serial: str | None) -> CustomerProduct | None:
    """The technician's reading of the nameplate: the linked product's model and serial set
    (a new product of the ticket's category when none is linked). A serial another product
    holds is kept and flagged for staff (`duplicate_of`), as a registration's is. None when the
    ticket names no appliance we register. The caller records the event and commits."""
    product = await _on_site(db_session, ticket)
    if product is None:
        return None
    if model:
        product.model = model
    if serial:
        await set_serial(db_session, product, normalised_serial(serial))
    return product
