"""A customer's personal data: all of it in one export, and its erasure.

Erasure keeps the statistics: tickets, their events and surveys stay (type, product, status,
times, city and district, ratings), with every personal field emptied: name, phone, address,
the ticket's free text (description, details, attachments), staff notes and customer feedback
on its events, survey comments, live-conversation transcripts, the chats the customer wrote
from (chat identities, and the chat ids on tickets and conversations), undelivered pushes, the
products they registered (where they live and shop: the rows go) and the photos of invoices
and nameplates they sent (the rows go). Quotes and payments stay as they are (nothing
personal of their own: backend/privacy/records.py); service records stay without the
diagnosis, the serial number and the signing chat, hashed again. Open
tickets are cancelled: nobody can be reached for them any more. The customer row stays,
marked anonymised, so repeat-repair and per-customer figures still count it. The privacy log
says who did it and when.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, undefer

from backend.customers import service as customer_service
from backend.customers.enums import Channel
from backend.customers.models import ChatIdentity, Customer
from backend.handoff.models import Handoff, HandoffMessage
from backend.kernel.database import utcnow
from backend.kernel.ticket_numbers import normalise_ticket_number
from backend.notifications.models import OutboxMessage
from backend.privacy import records
from backend.privacy.enums import (
    CUSTOMER_ACTOR,
    ERASED,
    ERASURE_ACTOR,
    PrivacyActionKind,
)
from backend.privacy.models import PrivacyAction
from backend.privacy.schemas import (
    ChatOut,
    CustomerExport,
    PhotoOut,
    PrivacyActionOut,
    ProductOut,
    SurveyOut,
    TicketEventOut,
    TicketOut,
    TranscriptLine,
)
from backend.products.models import CustomerProduct, ProductPhoto
from backend.surveys.models import Survey
from backend.tickets import lifecycle
from backend.tickets.enums import OPEN_STATUSES, EventKind, TicketStatus
from backend.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

# Why the open tickets of an erased customer were cancelled, in their record.
ERASURE_NOTE = "personal data erased"


@dataclass(frozen=True)
class Erasure:
    customer_id: int
    anonymised_at: datetime
    tickets_anonymised: int
    tickets_cancelled: int


# ---- finding the customer --------------------------------------------------------------------

async def get_customer(*, db_session: AsyncSession, customer_id: int) -> Customer | None:
    return await db_session.get(Customer, customer_id)


async def customer_of_ticket(*, db_session: AsyncSession, number: str) -> Customer | None:
    """The customer of the ticket with this number, in any spelling."""
    canonical = normalise_ticket_number(number)
    if canonical is None:
        return None
    statement = (select(Customer).join(Ticket, Ticket.customer_id == Customer.id)
                 .where(Ticket.number == canonical))
    return (await db_session.execute(statement)).scalar_one_or_none()


async def customer_of_chat(*, db_session: AsyncSession, channel: Channel | str,
                           chat_id: str) -> Customer | None:
    return await customer_service.get_by_chat(db_session=db_session, channel=channel,
                                              chat_id=chat_id)


# ---- export ------------------------------------------------------------------------------

async def export(*, db_session: AsyncSession, customer: Customer, actor: str) -> CustomerExport:
    """Everything held about the customer, and a line in the privacy log saying who asked.
    Commits."""
    tickets = list((await db_session.execute(
        select(Ticket).where(Ticket.customer_id == customer.id)
        .options(selectinload(Ticket.events)).order_by(Ticket.id)
    )).scalars())
    numbers_by_id = {ticket.id: ticket.number for ticket in tickets}
    chats = (await db_session.execute(
        select(ChatIdentity).where(ChatIdentity.customer_id == customer.id)
        .order_by(ChatIdentity.id))).scalars()
    surveys = (await db_session.execute(
        select(Survey).where(Survey.ticket_id.in_(numbers_by_id)).order_by(Survey.id)
    )).scalars()
    products = (await db_session.execute(
        select(CustomerProduct).where(CustomerProduct.customer_id == customer.id)
        .order_by(CustomerProduct.id))).scalars()
    photos = (await db_session.execute(
        select(ProductPhoto).where(ProductPhoto.customer_id == customer.id)
        .options(undefer(ProductPhoto.data)).order_by(ProductPhoto.id))).scalars()
    lines = (await db_session.execute(
        select(Handoff.ticket_id, HandoffMessage)
        .join(HandoffMessage, HandoffMessage.handoff_id == Handoff.id)
        .where(Handoff.ticket_id.in_(numbers_by_id)).order_by(HandoffMessage.id)
    )).all()
    quotes = await records.quotes(db_session, numbers_by_id)
    payments = await records.payments(db_session, numbers_by_id)
    service_records = await records.service_records(db_session, numbers_by_id)
    db_session.add(PrivacyAction(customer_id=customer.id, kind=PrivacyActionKind.exported,
                                 actor=actor, created_at=utcnow()))
    await db_session.commit()
    log_rows = (await db_session.execute(
        select(PrivacyAction).where(PrivacyAction.customer_id == customer.id)
        .order_by(PrivacyAction.id))).scalars()
    log.info("customer %d: personal data exported (by %s)", customer.id, actor)
    return CustomerExport(
        customer_id=customer.id, display_name=customer.display_name,
        language=customer.language, tier=customer.tier, created_at=customer.created_at,
        anonymised_at=customer.anonymised_at,
        chats=[ChatOut(channel=c.channel, chat_id=c.chat_id, since=c.created_at)
               for c in chats],
        tickets=[TicketOut(
            number=t.number, type=t.type, status=t.status, product=t.product,
            description=t.description, error_code=t.error_code, phone=t.phone,
            address=t.address, preferred_time=t.preferred_time, details=t.details or {},
            created_at=t.created_at, updated_at=t.updated_at,
            events=[TicketEventOut(kind=e.kind, from_status=e.from_status,
                                   to_status=e.to_status, at=e.created_at)
                    for e in t.events if e.kind != EventKind.internal_note],
        ) for t in tickets],
        products=[ProductOut(
            id=p.id, category=p.category, brand=p.brand, model=p.model, serial=p.serial,
            purchase_date=p.purchase_date, purchased_from=p.purchased_from,
            installed_on=p.installed_on, install_address=p.install_address, region=p.region,
            source=p.source, registered_at=p.created_at) for p in products],
        photos=[PhotoOut(kind=photo.kind, product_id=photo.product_id,
                         content_type=photo.content_type, size=photo.size,
                         sent_at=photo.created_at,
                         image_base64=base64.b64encode(photo.data).decode("ascii"))
                for photo in photos],
        surveys=[SurveyOut(ticket_number=numbers_by_id[s.ticket_id], state=s.state,
                           solved=s.solved, rating=s.rating, comment=s.comment,
                           explained_usage=s.explained_usage, answered_at=s.answered_at)
                 for s in surveys],
        conversations=[TranscriptLine(ticket_number=numbers_by_id[ticket_id],
                                      sender=line.sender, text=line.text, at=line.created_at)
                       for ticket_id, line in lines],
        quotes=quotes, payments=payments, service_records=service_records,
        privacy_log=[PrivacyActionOut(kind=a.kind, actor=a.actor,
                                      tickets_cancelled=a.tickets_cancelled, at=a.created_at)
                     for a in log_rows],
    )


# ---- erasure -----------------------------------------------------------------------------

async def erase(*, db_session: AsyncSession, customer: Customer, actor: str) -> Erasure:
    """Erase the customer's personal data, keeping what the statistics count (module
    docstring). An already anonymised customer is left as they are. Commits."""
    if customer.anonymised_at is not None:
        return Erasure(customer_id=customer.id, anonymised_at=customer.anonymised_at,
                       tickets_anonymised=0, tickets_cancelled=0)
    now = utcnow()
    tickets = await lifecycle.lock_all_of_customer(db_session=db_session,
                                                   customer_id=customer.id)
    ids = [ticket.id for ticket in tickets]
    # What was written about the tickets and in them: notes, feedback, transcripts, pushes.
    await db_session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(ids))
                             .values(note=None).execution_options(synchronize_session=False))
    await db_session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(ids),
                                                       TicketEvent.actor.like("customer:%"))
                             .values(actor=CUSTOMER_ACTOR)
                             .execution_options(synchronize_session=False))
    # Every comment written (the column is ciphertext: SQL cannot tell "" from a text).
    await db_session.execute(update(Survey).where(Survey.ticket_id.in_(ids),
                                                  Survey.comment.is_not(None))
                             .values(comment="").execution_options(synchronize_session=False))
    handoffs = select(Handoff.id).where(Handoff.ticket_id.in_(ids))
    await db_session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(handoffs))
                             .execution_options(synchronize_session=False))
    await db_session.execute(update(Handoff).where(Handoff.ticket_id.in_(ids),
                                                   Handoff.state != "closed")
                             .values(state="closed", closed_at=now)
                             .execution_options(synchronize_session=False))
    await db_session.execute(update(Handoff).where(Handoff.ticket_id.in_(ids))
                             .values(chat_id=ERASED)
                             .execution_options(synchronize_session=False))
    await db_session.execute(delete(OutboxMessage).where(OutboxMessage.ticket_id.in_(ids))
                             .execution_options(synchronize_session=False))
    # The service records' diagnosis, serial number and signing chat (quotes and payments
    # keep nothing personal: the decisions' words and chats are the events' above).
    await records.erase_service_records(db_session, ids)
    cancelled = 0
    for ticket in tickets:
        status = TicketStatus(ticket.status)
        if status in OPEN_STATUSES:
            # Nothing is pushed or asked (no follow-up hooks: no survey is touched).
            await lifecycle.write_status(db_session=db_session, ticket=ticket,
                                         status=TicketStatus.cancelled, note=ERASURE_NOTE,
                                         actor=ERASURE_ACTOR, now=now, notify=False,
                                         follow_up=False)
            cancelled += 1
        ticket.phone = ticket.address = None
        ticket.description, ticket.details, ticket.attachments = "", {}, []
        ticket.appointment_request = ticket.preferred_time = None  # the customer's own words
        ticket.chat_id = ERASED
        ticket.idempotency_key = f"{ERASED}:{ticket.id}"
        ticket.request_fingerprint = ERASED
    # The products they registered (where they live, where they shop) and the photos of
    # their invoices and nameplates, linked to one or not.
    await db_session.execute(delete(ProductPhoto).where(ProductPhoto.customer_id == customer.id))
    await db_session.execute(delete(CustomerProduct)
                             .where(CustomerProduct.customer_id == customer.id))
    await db_session.execute(delete(ChatIdentity).where(ChatIdentity.customer_id == customer.id))
    customer.display_name = None
    customer.phone_hash = None  # nobody finds them by their number any more
    customer.survey_opt_out = True
    customer.anonymised_at = now
    db_session.add(PrivacyAction(customer_id=customer.id, kind=PrivacyActionKind.erased,
                                 actor=actor, tickets_cancelled=cancelled, created_at=now))
    await db_session.commit()
    log.info("customer %d: personal data erased (by %s; %d tickets anonymised, %d cancelled)",
             customer.id, actor, len(tickets), cancelled)
    return Erasure(customer_id=customer.id, anonymised_at=now, tickets_anonymised=len(tickets),
                   tickets_cancelled=cancelled)

