"""What the quotes say about completing a ticket, and what the record charges.

The seam to backend/quotes: `gate` asks the quotes' gate (`quotes.service.quote_state`: may
the work be recorded as done, and the agreed charge) and `paid` reads the payments recorded. Each
line of the record is priced as the agreed charge has it; a part fitted that it does not name
(fitted before, or free) is priced by the quotes' own pricing for its warranty, and not
charged: the customer agreed to no more than the charge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.products.enums import Region
from backend.quotes import payments, pricing
from backend.quotes import service as quote_service
from backend.quotes.enums import LineKind
from backend.quotes.errors import QuoteRefused
from backend.service_records.schemas import Names
from backend.tickets.models import Ticket


@dataclass(frozen=True)
class Priced:
    """A line of the record: its names, amount (minor units) and warranty."""

    names: Names
    amount: int
    in_warranty: bool
    warranty_reason: str | None


@dataclass(frozen=True)
class Gate:
    may_complete: bool
    message: str  # why not
    region: Region
    currency: str
    total: int  # the agreed charge, minor units
    lines: tuple[pricing.Line, ...]  # the agreed charge's lines


@dataclass(frozen=True)
class Paid:
    amount: int
    method: str | None  # the latest payment's
    receipt_number: str | None


def _names(names: tuple[str, str, str]) -> Names:
    return Names.of(*names)


async def gate(*, db_session: AsyncSession, ticket: Ticket, work_items: Sequence[str],
               parts: Mapping[str, int]) -> Gate:
    """Whether the job may be recorded as done with this work (fee codes; part numbers and
    how many, all fitted on the ticket), and the agreed charge: the quotes' gate. QuoteRefused
    for a labour code the fee standard does not have for the ticket's appliance."""
    state = await quote_service.quote_state(db_session=db_session, ticket=ticket,
                                            work_items=work_items, parts=parts)
    region = (Region(state.quote.region) if state.quote is not None
              else await pricing.region_of(db_session, ticket, None))
    charge = state.charge
    if charge is None:
        return Gate(False, state.message, region, "", 0, ())
    return Gate(True, "", region, charge.currency, charge.total, charge.lines)


async def paid(*, db_session: AsyncSession, ticket: Ticket) -> Paid:
    recorded = [payment for payment, _ in await payments.of_ticket(db_session, ticket.id)]
    last = recorded[-1] if recorded else None
    return Paid(sum(p.amount for p in recorded), last.method if last else None,
                last.receipt_number if last else None)


async def price(*, db_session: AsyncSession, ticket: Ticket, agreed: Gate, kind: LineKind,
                code: str, quantity: int, names: Names | None = None,
                at: datetime | None = None) -> Priced:
    """One line of the record: as the agreed charge has it, else its warranty as the quotes'
    pricing reads it and nothing charged. QuoteRefused (a labour code the standard does not
    have) unless `names` are known already (a part fitted: its catalogue names)."""
    quoted = [line for line in agreed.lines if line.kind == kind and line.code == code]
    if quoted:
        reason = quoted[0].warranty_reason
        return Priced(_names(quoted[0].names), sum(line.amount for line in quoted),
                      all(line.in_warranty for line in quoted), str(reason) if reason else None)
    wanted = [(code, quantity)]
    try:
        [line] = (await pricing.price(
            db_session=db_session, ticket=ticket, region=agreed.region, visit=False,
            items=wanted if kind == LineKind.labour else [],
            parts=wanted if kind == LineKind.part else [], at=at)).lines
    except QuoteRefused:
        if names is None:
            raise
        return Priced(names, 0, False, None)
    return Priced(_names(line.names), 0, line.in_warranty,
                  str(line.warranty_reason) if line.warranty_reason else None)
