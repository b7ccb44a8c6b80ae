"""Quotes: built by staff from the fee standard and the parts catalogue, sent to the customer's
chat, accepted or declined there (先报价，您同意后才维修).

Every change is "lock the ticket, change the quote rows, record the event, queue the push,
commit" (backend/tickets/lifecycle.py), so a quote never exists without its event and its
message to the customer, nor they without it. A ticket's versions are 1, 2, …; building again
supersedes the standing version and sends the new one. A quote whose every line is free (in
warranty) needs no acceptance: it is recorded as accepted by `system:no_charge` and the
customer is told, not asked.

`quote_state` answers the completion: may the ticket be recorded as done, and what is the
agreed charge (backend/quotes/gate.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import Channel
from backend.errors import NotFound
from backend.kernel.database import utcnow
from backend.kernel.money import shown
from backend.kernel.pushes import QuotedLine, QuoteSent
from backend.quotes import gate, pricing
from backend.quotes.enums import DeclineReason, QuoteEvent, QuoteStatus
from backend.quotes.errors import QuoteNotCurrent, QuoteRefused
from backend.quotes.models import Quote, QuoteLine
from backend.quotes.schemas import QuoteIn
from backend.tickets import lifecycle
from backend.tickets import service as ticket_service
from backend.tickets.enums import ON_SITE_TYPES
from backend.tickets.models import Ticket

log = logging.getLogger(__name__)

NO_TICKET = "no such ticket"

# The completion's question, answered in gate.py (re-exported: `quote_state(...)`).
QuoteState = gate.QuoteState
Charge = gate.Charge
quote_state = gate.quote_state
charged_now = gate.charged_now
completion_gate = gate.quote_state


# ---- reading --------------------------------------------------------------------------------

async def versions_of(db_session: AsyncSession, ticket_id: int) -> list[Quote]:
    """The ticket's quotes, newest version first."""
    return await gate.versions_of(db_session, ticket_id)


def standing(versions: list[Quote]) -> Quote | None:
    """The quote in force: the latest version, unless it was withdrawn."""
    return gate.standing(versions)


async def ticket_for_staff(*, db_session: AsyncSession, number: str,
                           assignee_id: int | None = None) -> Ticket:
    """The ticket (a technician: only one assigned to them); NotFound."""
    ticket = await ticket_service.get_by_number(db_session=db_session, number=number,
                                                assignee_id=assignee_id)
    if ticket is None:
        raise NotFound(NO_TICKET)
    return ticket


# ---- building -------------------------------------------------------------------------------

async def _lock_for_staff(db_session: AsyncSession, number: str,
                          assignee_id: int | None) -> Ticket:
    ticket = await lifecycle.lock(db_session=db_session, number=number, assignee_id=assignee_id)
    if ticket is None:
        await lifecycle.refuse(db_session, NotFound(NO_TICKET))
    await lifecycle.require_open(db_session, ticket, "a {status} ticket gets no quote")
    return ticket


def _row(position: int, line: pricing.Line) -> QuoteLine:
    zh_hans, zh_hant, en = line.names
    return QuoteLine(position=position, kind=str(line.kind), code=line.code,
                     name_zh_hans=zh_hans, name_zh_hant=zh_hant, name_en=en,
                     quantity=line.quantity, unit_price=line.unit_price, amount=line.amount,
                     in_warranty=line.in_warranty,
                     warranty_reason=str(line.warranty_reason) if line.warranty_reason else None,
                     warranty_until=line.warranty_until, earlier_ticket=line.earlier_ticket)


def pushed_line(line: QuoteLine) -> QuotedLine:
    return QuotedLine(kind=line.kind, code=line.code,
                      names={"zh-Hans": line.name_zh_hans, "zh-Hant": line.name_zh_hant,
                             "en": line.name_en},
                      quantity=line.quantity, unit_price=line.unit_price, amount=line.amount,
                      in_warranty=line.in_warranty, warranty_reason=line.warranty_reason,
                      warranty_until=line.warranty_until, earlier_ticket=line.earlier_ticket)


def quote_push(ticket: Ticket, quote: Quote, replaces: int | None,
               now: datetime) -> QuoteSent:
    """The push sending the quote to the ticket's customer (`replaces`: the version it
    supersedes)."""
    return QuoteSent(
        **lifecycle.to_customer(ticket), occurred_at=now, quote_id=quote.id,
        version=quote.version, replaces=replaces, currency=quote.currency, total=quote.total,
        declined_charge=quote.declined_charge, needs_acceptance=quote.needs_acceptance,
        lines=[pushed_line(line) for line in quote.lines])


def _summary(quote: Quote) -> str:
    """The quote in the ticket's record (staff read it; no personal data)."""
    free = "" if quote.needs_acceptance else "; all in warranty: no acceptance needed"
    return (f"v{quote.version}: {quote.currency} {shown(quote.total, quote.currency)} "
            f"({len(quote.lines)} lines; fee standard {quote.region} "
            f"v{quote.fee_standard_version}){free}")


async def build(*, db_session: AsyncSession, number: str, data: QuoteIn, actor: str,
                assignee_id: int | None = None) -> tuple[Ticket, Quote]:
    """A new version of the ticket's quote, priced now (backend/quotes/pricing.py); the
    standing one superseded; sent to the customer (a `quote_sent` event and push) in one
    transaction with the ticket locked. All free: accepted at once, needing no acceptance.
    NotFound (a technician: not their ticket); ActionNotAllowed (not open); QuoteRefused.
    Commits."""
    ticket = await _lock_for_staff(db_session, number, assignee_id)
    if ticket.type not in ON_SITE_TYPES:
        await lifecycle.refuse(db_session, QuoteRefused(
            "quotes are for repairs and installations (a technician's visit)"))
    try:
        region = await pricing.region_of(db_session, ticket, data.region)
        priced = await pricing.price(
            db_session=db_session, ticket=ticket, region=region, visit=data.visit,
            items=[(line.code, line.quantity) for line in data.items],
            parts=[(line.part_number, line.quantity) for line in data.parts])
    except QuoteRefused as error:
        await lifecycle.refuse(db_session, error)
    versions = await versions_of(db_session, ticket.id)
    before = standing(versions)
    now = utcnow()
    if before is not None:
        before.status, before.ended_at, before.ended_by = QuoteStatus.superseded, now, actor
    free = priced.total == 0
    quote = Quote(
        ticket_id=ticket.id, version=versions[0].version + 1 if versions else 1,
        status=QuoteStatus.accepted if free else QuoteStatus.sent, needs_acceptance=not free,
        region=str(priced.region), fee_standard_id=priced.standard.id,
        fee_standard_version=priced.standard.version, currency=priced.currency,
        total=priced.total, declined_charge=0 if free else priced.declined_charge,
        built_by=actor, created_at=now, decided_at=now if free else None,
        lines=[_row(position, line) for position, line in enumerate(priced.lines, start=1)])
    db_session.add(quote)
    await db_session.flush()
    lifecycle.record(db_session, ticket, QuoteEvent.quote_sent, actor=actor, now=now,
                     touch=True, note=_summary(quote))
    lifecycle.push(db_session, ticket,
                   quote_push(ticket, quote, before.version if before else None, now), now)
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: quote v%d (%s %d) by %s", ticket.number, quote.version,
             quote.currency, quote.total, actor)
    return ticket, quote


async def withdraw(*, db_session: AsyncSession, number: str, version: int, reason: str,
                   actor: str, assignee_id: int | None = None) -> tuple[Ticket, Quote]:
    """Take the standing quote back (`version`: the one staff saw): no quote stands until a
    new one is built; the customer's buttons on it are refused. QuoteNotCurrent when
    `version` is not the standing one. Commits."""
    ticket = await _lock_for_staff(db_session, number, assignee_id)
    versions = await versions_of(db_session, ticket.id)
    current = standing(versions)
    if current is None or current.version != version:
        await lifecycle.refuse(db_session, QuoteNotCurrent(
            f"version {version} is not the standing quote of ticket {ticket.number}",
            quote_status=_status_of(versions, version),
            current_version=current.version if current else None))
    now = utcnow()
    current.status, current.ended_at, current.ended_by = QuoteStatus.withdrawn, now, actor
    lifecycle.record(db_session, ticket, QuoteEvent.quote_withdrawn, actor=actor, now=now,
                     touch=True, note=f"v{version}: {reason}")
    await lifecycle.staff_acted(db_session=db_session, ticket=ticket, now=now)
    await db_session.commit()
    log.info("ticket %s: quote v%d withdrawn by %s", ticket.number, version, actor)
    return ticket, current


# ---- the customer's answer ------------------------------------------------------------------

def _status_of(versions: list[Quote], version: int) -> str:
    found = next((q for q in versions if q.version == version), None)
    return found.status if found is not None else "missing"


async def _answerable(db_session: AsyncSession, ticket: Ticket, version: int) -> Quote:
    """The version asked, if it waits for the customer's answer; else refused (rolled back):
    replaced, withdrawn, answered already, never needing one, or no such version."""
    versions = await versions_of(db_session, ticket.id)
    asked = next((q for q in versions if q.version == version), None)
    if asked is not None and asked.status == QuoteStatus.sent:
        return asked
    current = standing(versions)
    current_version = current.version if current else None
    if asked is None:
        message = f"ticket {ticket.number} has no quote version {version}"
    elif asked.status == QuoteStatus.superseded:
        message = (f"quote version {version} was replaced by version {current_version}"
                   if current_version else f"quote version {version} was replaced")
    elif asked.status == QuoteStatus.withdrawn:
        message = f"quote version {version} was withdrawn"
    elif not asked.needs_acceptance:
        message = f"quote version {version} is free and needs no answer"
    else:
        message = f"quote version {version} was {asked.status} already"
    await lifecycle.refuse(db_session, QuoteNotCurrent(
        message, quote_status=asked.status if asked else "missing",
        current_version=current_version))


async def _lock_for_customer(db_session: AsyncSession, channel: Channel | str, chat_id: str,
                             number: str) -> Ticket | None:
    ticket = await lifecycle.lock_for_customer(db_session=db_session, channel=channel,
                                               chat_id=chat_id, number=number)
    if ticket is None:
        await db_session.rollback()
        return None
    await lifecycle.require_open(db_session, ticket, "a {status} ticket's quote is closed")
    return ticket


async def _decide(db_session: AsyncSession, ticket: Ticket, quote: Quote, status: QuoteStatus,
                  kind: QuoteEvent, actor: str, note: str | None) -> None:
    now = utcnow()
    quote.status, quote.decided_at = status, now
    quote.decision = lifecycle.record(db_session, ticket, kind, actor=actor, now=now,
                                      touch=True, note=note)
    await db_session.commit()
    log.info("ticket %s: quote v%d %s by the customer", ticket.number, quote.version, status)


async def accept(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                 number: str, version: int) -> tuple[Ticket, Quote] | None:
    """The customer accepts quote `version` (the one their chat shows), if it is the one
    waiting: the work may go ahead. None: not their ticket. QuoteNotCurrent; ActionNotAllowed
    (the ticket is closed). Commits."""
    ticket = await _lock_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    quote = await _answerable(db_session, ticket, version)
    await _decide(db_session, ticket, quote, QuoteStatus.accepted, QuoteEvent.quote_accepted,
                  lifecycle.customer_actor(channel, chat_id), None)
    return ticket, quote


async def decline(*, db_session: AsyncSession, channel: Channel | str, chat_id: str,
                  number: str, version: int, reason: DeclineReason,
                  note: str | None) -> tuple[Ticket, Quote] | None:
    """The customer declines quote `version`, with a reason (and their own words, kept
    encrypted as the event's note): nothing is repaired; the charge is `declined_charge` (the
    visit fee, or nothing, as the fee standard says). None: not their ticket. Commits."""
    ticket = await _lock_for_customer(db_session, channel, chat_id, number)
    if ticket is None:
        return None
    quote = await _answerable(db_session, ticket, version)
    quote.decline_reason = str(reason)
    await _decide(db_session, ticket, quote, QuoteStatus.declined, QuoteEvent.quote_declined,
                  lifecycle.customer_actor(channel, chat_id), note)
    return ticket, quote

