"""Payments: recorded, not processed. Staff record what the customer paid (amount, method,
receipt number) with the ticket: once per receipt number, on any ticket (a unique constraint
backs the check, so two recordings of one receipt at the same moment are one payment and a
409). A `payment_recorded` event goes into the ticket's record in the same transaction."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.fees.enums import CURRENCIES
from backend.kernel.database import utcnow
from backend.kernel.money import shown, to_minor
from backend.quotes import pricing
from backend.quotes.enums import QuoteEvent
from backend.quotes.errors import QuoteRefused, ReceiptTaken
from backend.quotes.gate import standing, versions_of
from backend.quotes.models import Payment
from backend.quotes.schemas import PaymentIn
from backend.tickets import lifecycle
from backend.tickets.enums import TicketStatus
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)


def _taken(number: str) -> ReceiptTaken:
    return ReceiptTaken(f"a payment with receipt number {number} is recorded already")


async def record(*, db_session: AsyncSession, number: str, data: PaymentIn, actor: str,
                 assignee_id: int | None = None) -> tuple[Ticket, Payment, int | None]:
    """Record a payment on the ticket (not a cancelled one), in the currency given, else the
    latest quote's, else the region's; with the ticket's standing quote, if any. The ticket,
    the payment and that quote's version. NotFound; ReceiptTaken; QuoteRefused (an amount
    too precise for the currency, a cancelled ticket). Commits."""
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await lifecycle.refuse(db_session, NotFound("no such ticket"))
    if ticket.status == TicketStatus.cancelled:
        await lifecycle.refuse(db_session, QuoteRefused("a cancelled ticket takes no payment"))
    receipt = data.receipt_number
    if (await db_session.execute(select(Payment.id).where(
            Payment.receipt_number == receipt))).first() is not None:
        await lifecycle.refuse(db_session, _taken(receipt))
    versions = await versions_of(db_session, ticket.id)
    quote = standing(versions)
    if data.currency is not None:
        currency = str(data.currency)
    elif versions:
        currency = versions[0].currency
    else:
        currency = str(CURRENCIES[await pricing.region_of(db_session, ticket, None)])
    try:
        amount = to_minor(data.amount, currency)
    except ValueError as error:
        await lifecycle.refuse(db_session, QuoteRefused(str(error)))
    now = utcnow()
    payment = Payment(ticket_id=ticket.id, quote_id=quote.id if quote else None, amount=amount,
                      currency=currency, method=str(data.method), receipt_number=receipt,
                      recorded_by=actor, recorded_at=now)
    db_session.add(payment)
    lifecycle.record(db_session, ticket, QuoteEvent.payment_recorded, actor=actor, now=now,
                     touch=True, note=f"{currency} {shown(amount, currency)} {data.method}, "
                                      f"receipt {receipt}")
    try:
        await db_session.commit()
    except IntegrityError:  # the same receipt recorded meanwhile, in another transaction
        await db_session.rollback()
        raise _taken(receipt) from None
    log.info("ticket %s: payment %s %d recorded by %s", ticket.number, currency, amount, actor)
    return ticket, payment, quote.version if quote else None


async def of_ticket(db_session: AsyncSession, ticket_id: int) -> list[tuple[Payment, int | None]]:
    """The ticket's payments, oldest first, each with the version of the quote it was for."""
    versions = {quote.id: quote.version for quote in await versions_of(db_session, ticket_id)}
    rows = (await db_session.execute(
        select(Payment).where(Payment.ticket_id == ticket_id).order_by(Payment.id))).scalars()
    return [(payment, versions.get(payment.quote_id) if payment.quote_id else None)
            for payment in rows]
