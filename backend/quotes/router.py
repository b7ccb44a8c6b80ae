"""Quote and payment routes: staff build, replace and withdraw a ticket's quote and record
payments (dispatchers, supervisors, admins; a technician on the tickets assigned to them); the
customer accepts or declines the version their chat shows (the bot, with the service
signature). Thin: the work is in service, gate and payments; refusals are answered by the
exception handlers of backend/app.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status

from backend.customers.enums import Channel
from backend.deps import OutboxWakeDep, ServiceDep, SessionDep, StaffUser, require_roles
from backend.errors import NotFound
from backend.quotes import payments, service
from backend.quotes.enums import QUOTE_STAFF
from backend.quotes.schemas import (
    AcceptIn,
    DeclineIn,
    GateOut,
    PaymentIn,
    PaymentOut,
    QuoteCustomerView,
    QuoteIn,
    QuoteOut,
    TicketQuotesOut,
    WithdrawIn,
)

router = APIRouter(prefix="/api/v1", tags=["quotes"])

QuoteStaff = Annotated[StaffUser, require_roles(*QUOTE_STAFF)]
NO_TICKET = "no such ticket (a technician: none assigned to them)"
BUILD: dict[int | str, dict[str, Any]] = {
    404: {"description": NO_TICKET},
    409: {"description": "the ticket is no longer open"},
    422: {"description": "a labour code or part the standard or catalogue does not have, "
                         "another appliance's, a part without a price in the currency, or a "
                         "ticket that is no visit"}}
STALE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such ticket for this customer"},
    409: {"description": "that version can no longer be answered (replaced, withdrawn, "
                         "answered already) or the ticket is closed: `quote_status` and "
                         "`current_version` say which"}}


@router.get("/tickets/{number}/quotes", response_model=TicketQuotesOut,
            responses={404: {"description": NO_TICKET}})
async def list_quotes(number: str, db_session: SessionDep,
                      staff: QuoteStaff) -> TicketQuotesOut:
    """The ticket's quotes (the standing one, every version), its payments, and whether it
    may be completed now with the agreed charge."""
    ticket = await service.ticket_for_staff(db_session=db_session, number=number,
                                            assignee_id=staff.own_tickets_only)
    versions = await service.versions_of(db_session, ticket.id)
    current = service.standing(versions)
    state = await service.quote_state(db_session=db_session, ticket=ticket)
    paid = await payments.of_ticket(db_session, ticket.id)
    return TicketQuotesOut(
        ticket_number=ticket.number,
        current=QuoteOut.of(current, ticket.number) if current else None,
        versions=[QuoteOut.of(quote, ticket.number) for quote in versions],
        payments=[PaymentOut.of(p, ticket.number, version) for p, version in paid],
        gate=GateOut.of(state))


@router.post("/tickets/{number}/quotes", response_model=QuoteOut,
             status_code=status.HTTP_201_CREATED, responses=BUILD)
async def build_quote(number: str, data: QuoteIn, db_session: SessionDep, staff: QuoteStaff,
                      wake_outbox: OutboxWakeDep) -> QuoteOut:
    """Quote the work (the next version: the standing one is superseded) and send it to the
    customer's chat to accept or decline; all in warranty: sent as free, needing no
    acceptance."""
    ticket, quote = await service.build(db_session=db_session, number=number, data=data,
                                        actor=staff.actor, assignee_id=staff.own_tickets_only)
    wake_outbox()
    return QuoteOut.of(quote, ticket.number)


@router.post("/tickets/{number}/quotes/withdraw", response_model=QuoteOut,
             responses={404: {"description": NO_TICKET},
                        409: {"description": "that version is not the standing quote, or "
                                             "the ticket is no longer open"}})
async def withdraw_quote(number: str, data: WithdrawIn, db_session: SessionDep,
                         staff: QuoteStaff) -> QuoteOut:
    """Take the standing quote back, with why: no quote stands until a new one is built."""
    ticket, quote = await service.withdraw(
        db_session=db_session, number=number, version=data.version, reason=data.reason,
        actor=staff.actor, assignee_id=staff.own_tickets_only)
    return QuoteOut.of(quote, ticket.number)


@router.get("/tickets/{number}/payments", response_model=list[PaymentOut],
            responses={404: {"description": NO_TICKET}})
async def list_payments(number: str, db_session: SessionDep,
                        staff: QuoteStaff) -> list[PaymentOut]:
    ticket = await service.ticket_for_staff(db_session=db_session, number=number,
                                            assignee_id=staff.own_tickets_only)
    return [PaymentOut.of(p, ticket.number, version)
            for p, version in await payments.of_ticket(db_session, ticket.id)]


@router.post("/tickets/{number}/payments", response_model=PaymentOut,
             status_code=status.HTTP_201_CREATED,
             responses={404: {"description": NO_TICKET},
                        409: {"description": "a payment with this receipt number is "
                                             "recorded already"},
                        422: {"description": "a cancelled ticket, or an amount too precise "
                                             "for the currency"}})
async def record_payment(number: str, data: PaymentIn, db_session: SessionDep,
                         staff: QuoteStaff) -> PaymentOut:
    """Record a payment the customer made (recorded, not processed): once per receipt."""
    ticket, payment, version = await payments.record(
        db_session=db_session, number=number, data=data, actor=staff.actor,
        assignee_id=staff.own_tickets_only)
    return PaymentOut.of(payment, ticket.number, version)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/quote/accept",
             response_model=QuoteCustomerView, responses=STALE)
async def accept_quote(channel: Channel, chat_id: str, number: str, data: AcceptIn,
                       db_session: SessionDep, _: ServiceDep) -> QuoteCustomerView:
    """The customer accepts the quote version their chat shows: the work may go ahead."""
    answered = await service.accept(db_session=db_session, channel=channel, chat_id=chat_id,
                                    number=number, version=data.version)
    if answered is None:
        raise NotFound("no such ticket")
    ticket, quote = answered
    return QuoteCustomerView.of(quote, ticket.number)


@router.post("/customers/{channel}/{chat_id}/tickets/{number}/quote/decline",
             response_model=QuoteCustomerView, responses=STALE)
async def decline_quote(channel: Channel, chat_id: str, number: str, data: DeclineIn,
                        db_session: SessionDep, _: ServiceDep) -> QuoteCustomerView:
    """The customer declines the quote version their chat shows, with a reason (and their
    words): nothing is repaired; the charge is the visit fee or nothing, as the fee standard
    says."""
    answered = await service.decline(
        db_session=db_session, channel=channel, chat_id=chat_id, number=number,
        version=data.version, reason=data.reason, note=data.note)
    if answered is None:
        raise NotFound("no such ticket")
    ticket, quote = answered
    return QuoteCustomerView.of(quote, ticket.number)
