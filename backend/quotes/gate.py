"""May this ticket be recorded as done, and at what charge? (先报价，您同意后才维修: nothing is
recorded as done before the customer accepted its price.)

`quote_state(db_session=…, ticket=…, work_items=[fee codes], parts={part number: quantity})`,
for the completion (backend/service_records) with the work it is about to record:

- no standing quote (none built, or withdrawn): only if the work named is all free (in
  warranty), charging nothing (`no_charge`; else `not_quoted`);
- a quote sent, not answered yet: no (`awaiting_customer`);
- accepted (or free, needing no acceptance): if every charged line of the work named is in
  the quote, at most as many (else `not_in_quote`); the charge is the quote's lines and total;
- declined: only if the work named is all free (else `not_in_quote`); the charge is the visit
  fee if the fee standard charges it on a decline (`declined_quote_pays_visit`), else nothing.

The work named is priced as a quote would be on the standing quote's standard (or now), with the
same warranty rules (backend/quotes/pricing.py); an unknown code is QuoteRefused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel.money import shown
from backend.products.enums import Region
from backend.quotes import pricing
from backend.quotes.enums import STANDING, LineKind, QuoteStatus, WarrantyReason
from backend.quotes.models import Quote, QuoteLine
from backend.tickets.models import Ticket


class GateState(StrEnum):
    no_charge = "no_charge"  # nothing chargeable: no quote needed (or a free one)
    accepted = "accepted"  # the customer accepted the standing quote
    declined = "declined"  # the customer declined it: the visit fee or nothing
    awaiting_customer = "awaiting_customer"  # refused: the customer has not answered yet
    not_quoted = "not_quoted"  # refused: chargeable work and no quote
    not_in_quote = "not_in_quote"  # refused: chargeable work the customer did not agree to


@dataclass(frozen=True)
class Charge:
    """The agreed charge, for the service record: currency, total and the lines (amounts in
    minor units; a line's amount 0 when in warranty, with why)."""

    currency: str
    total: int
    lines: tuple[pricing.Line, ...]


@dataclass(frozen=True)
class QuoteState:
    may_complete: bool
    state: GateState
    message: str  # why not (for a 409), or how the charge was agreed
    quote: Quote | None  # the standing quote, if any
    charge: Charge | None  # None when it may not be completed


async def versions_of(db_session: AsyncSession, ticket_id: int) -> list[Quote]:
    """The ticket's quotes, newest version first."""
    return list((await db_session.execute(
        select(Quote).where(Quote.ticket_id == ticket_id).order_by(Quote.version.desc())
    )).scalars())


def standing(versions: Sequence[Quote]) -> Quote | None:
    """The quote in force: the latest version, unless it was withdrawn."""
    if versions and QuoteStatus(versions[0].status) in STANDING:
        return versions[0]
    return None


def line_of(row: QuoteLine) -> pricing.Line:
    return pricing.Line(
        kind=LineKind(row.kind), code=row.code,
        names=(row.name_zh_hans, row.name_zh_hant, row.name_en), quantity=row.quantity,
        unit_price=row.unit_price, amount=row.amount, in_warranty=row.in_warranty,
        warranty_reason=WarrantyReason(row.warranty_reason) if row.warranty_reason else None,
        warranty_until=row.warranty_until, earlier_ticket=row.earlier_ticket)


def _refused(state: GateState, message: str, quote: Quote | None) -> QuoteState:
    return QuoteState(False, state, message, quote, None)


def _named(lines: Sequence[pricing.Line]) -> str:
    return ", ".join(f"{line.code} ×{line.quantity}" for line in lines)


async def quote_state(*, db_session: AsyncSession, ticket: Ticket,
                      work_items: Sequence[str] = (),
                      parts: Mapping[str, int] | None = None) -> QuoteState:
    """Whether the ticket may be recorded as done with this work (the table above), and the
    agreed charge. Reads only (the caller holds the ticket's lock, and commits)."""
    quote = standing(await versions_of(db_session, ticket.id))
    region = (Region(quote.region) if quote is not None
              else await pricing.region_of(db_session, ticket, None))
    priced = await pricing.price(
        db_session=db_session, ticket=ticket, region=region, visit=False,
        items=[(code, 1) for code in dict.fromkeys(work_items)],
        parts=list((parts or {}).items()), at=quote.created_at if quote else None)
    charged = [line for line in priced.lines if line.amount > 0]
    if quote is None:
        if charged:
            return _refused(GateState.not_quoted,
                            f"chargeable work ({_named(charged)}) needs the customer's "
                            "accepted quote first", None)
        return QuoteState(True, GateState.no_charge, "nothing chargeable", None,
                          Charge(priced.currency, 0, tuple(priced.lines)))
    status, version = QuoteStatus(quote.status), quote.version
    if status == QuoteStatus.sent:
        return _refused(GateState.awaiting_customer,
                        f"the customer has not answered quote version {version} yet", quote)
    if status == QuoteStatus.declined:
        if charged:
            return _refused(GateState.not_in_quote,
                            f"the customer declined quote version {version}: chargeable work "
                            f"({_named(charged)}) cannot be recorded; build a new quote",
                            quote)
        visit = tuple(replace(line, amount=quote.declined_charge)
                      for line in map(line_of, quote.lines) if line.kind == LineKind.visit)
        return QuoteState(True, GateState.declined,
                          f"declined: {quote.currency} "
                          f"{shown(quote.declined_charge, quote.currency)}", quote,
                          Charge(quote.currency, quote.declined_charge, visit))
    agreed: dict[tuple[str, str | None], int] = {}
    for row in quote.lines:
        agreed[row.kind, row.code] = agreed.get((row.kind, row.code), 0) + row.quantity
    beyond = [line for line in charged
              if line.quantity > agreed.get((str(line.kind), line.code), 0)]
    if beyond:
        return _refused(GateState.not_in_quote,
                        f"work not in the accepted quote version {version} "
                        f"({_named(beyond)}): build a new quote for the customer to accept",
                        quote)
    state = GateState.accepted if quote.needs_acceptance else GateState.no_charge
    return QuoteState(True, state, f"quote version {version} {status}", quote,
                      Charge(quote.currency, quote.total, tuple(map(line_of, quote.lines))))


def charged_now(quote: Quote) -> int:
    """What the customer pays as the quote stands: the total once accepted, the declined
    charge once declined, nothing before."""
    if quote.status == QuoteStatus.accepted:
        return quote.total
    if quote.status == QuoteStatus.declined:
        return quote.declined_charge
    return 0
