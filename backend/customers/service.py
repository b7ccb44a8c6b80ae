"""Customers: found or created by the chat they write from (their archive for staff, built
from their tickets: backend/tickets/archive.py); found by staff by id or by phone number (a
keyed hash of it: backend/customers/phones.py), which each new ticket that gives one keeps
current."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import Integer, Text, column, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from backend.customers import phones
from backend.customers.enums import DEFAULT_LANGUAGE, Channel, Language
from backend.customers.models import ChatIdentity, Customer
from backend.errors import NotFound
from backend.kernel import crypto
from backend.kernel.database import rowcount
from backend.text import has_control

log = logging.getLogger(__name__)

# The most customers one phone number finds (a family sharing a number, a shop's).
SEARCH_LIMIT = 20


class CustomerAnonymised(Exception):
    """The customer's personal data was erased: nothing personal is added to the record
    again. 409."""


class HasPhone(Protocol):
    phone: str | None


async def get_by_chat(*, db_session: AsyncSession, channel: Channel | str,
                      chat_id: str) -> Customer | None:
    if has_control(chat_id):  # cannot be stored, so it cannot be found (PostgreSQL refuses NUL)
        return None
    statement = (
        select(Customer)
        .join(ChatIdentity, ChatIdentity.customer_id == Customer.id)
        .where(ChatIdentity.channel == str(channel), ChatIdentity.chat_id == chat_id)
    )
    return (await db_session.execute(statement)).scalar_one_or_none()


async def get_or_create_by_chat(
    *, db_session: AsyncSession, channel: Channel | str, chat_id: str,
    display_name: str | None = None, language: Language | str | None = None,
) -> Customer:
    """The customer behind this chat, created with the chat identity if new; a given language
    or display name replaces the stored one. Race-safe: when two requests create the same chat
    at once, the loser's savepoint is rolled back and it reads the winner's customer. Runs in
    the caller's transaction (nothing is committed here)."""
    customer = await get_by_chat(db_session=db_session, channel=channel, chat_id=chat_id)
    if customer is None:
        try:
            async with db_session.begin_nested():
                customer = Customer(display_name=display_name,
                                    language=str(language or DEFAULT_LANGUAGE))
                db_session.add(customer)
                await db_session.flush()
                db_session.add(ChatIdentity(customer_id=customer.id, channel=str(channel),
                                            chat_id=chat_id))
                await db_session.flush()
            return customer
        except IntegrityError:
            customer = await get_by_chat(db_session=db_session, channel=channel, chat_id=chat_id)
            if customer is None:
                raise
    if language and customer.language != str(language):
        customer.language = str(language)
    if display_name and customer.display_name != display_name:
        customer.display_name = display_name
    return customer


# ---- staff: finding a customer -----------------------------------------------------------

async def get(*, db_session: AsyncSession, customer_id: int) -> Customer:
    """The customer with their chats; NotFound."""
    customer = (await db_session.execute(
        select(Customer).where(Customer.id == customer_id)
        .options(selectinload(Customer.identities)))).scalar_one_or_none()
    if customer is None:
        raise NotFound("no such customer")
    return customer


async def find_by_phone(*, db_session: AsyncSession, phone: str,
                        actor: str) -> list[Customer]:
    """The customers whose latest number is this one, in any spelling (oldest first; not the
    erased). A hash still under an older key (a rotation under way) is keyed again under the
    first on the way: the number was just typed, so it is known. Commits when it did. Who
    searched and what they found is logged (customer ids, never the number)."""
    digests = phones.hashes(phone)
    found = [] if not digests else list((await db_session.execute(
        select(Customer).where(Customer.phone_hash.in_(digests),
                               Customer.anonymised_at.is_(None))
        .options(selectinload(Customer.identities)).order_by(Customer.id).limit(SEARCH_LIMIT)
    )).scalars())
    stale = [customer for customer in found if customer.phone_hash != digests[0]]
    for customer in stale:
        customer.phone_hash = digests[0]
    if stale:
        await db_session.commit()
    log.info("phone search by %s: customers %s", actor,
             ", ".join(str(c.id) for c in found) or "none")
    return found


async def remember_phone(*, db_session: AsyncSession, ticket: HasPhone,
                         customer: Customer) -> None:
    """A ticket's `created` hook (backend/wiring.py): the number a new ticket gives is the
    one its customer is found by from now on (a ticket without one changes nothing)."""
    digest = phones.current_hash(ticket.phone)
    if digest is not None and customer.phone_hash != digest:
        customer.phone_hash = digest


# The tickets table as a plain table: customers sits below tickets (tickets imports it), so
# the Ticket model is not imported here. Its phone is read as stored (ciphertext).
_TICKETS = table("tickets", column("id", Integer), column("customer_id", Integer),
                 column("phone", Text))


async def rehash_phones(*, db_session: AsyncSession, batch_size: int = 500) -> int:
    """Key every stored phone hash under the first field key again, from the phone of the
    customer's latest ticket (after a new key was put first: backend/privacy/rotation.py),
    `batch_size` customers per short transaction. How many changed; a phone no configured key
    decrypts is left as it is (and counted in the log)."""
    latest = (select(_TICKETS.c.phone).where(_TICKETS.c.customer_id == Customer.id,
                                             _TICKETS.c.phone.is_not(None))
              .order_by(_TICKETS.c.id.desc()).limit(1).scalar_subquery())
    changed = unreadable = 0
    last = 0
    while True:
        rows = (await db_session.execute(
            select(Customer.id, Customer.phone_hash, latest)
            .where(Customer.id > last, Customer.phone_hash.is_not(None),
                   Customer.anonymised_at.is_(None))
            .order_by(Customer.id).limit(batch_size))).all()
        if not rows:
            break
        last = rows[-1][0]
        for customer_id, stored, ciphertext in rows:
            try:
                digest = phones.current_hash(crypto.decrypt(ciphertext)) if ciphertext else None
            except crypto.DecryptionError:
                unreadable += 1
                continue
            if digest is not None and digest != stored:
                done = await db_session.execute(
                    update(Customer).where(Customer.id == customer_id,
                                           Customer.phone_hash == stored)
                    .values(phone_hash=digest)
                    .execution_options(synchronize_session=False))
                changed += rowcount(done)
        await db_session.commit()
    if changed or unreadable:
        log.info("phone hashes: %d keyed again under the first key, %d phones unreadable",
                 changed, unreadable)
    return changed
