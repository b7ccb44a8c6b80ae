"""Customers: found or created by the chat they write from (their archive for staff, built
from their tickets: backend/tickets/archive.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.customers.enums import DEFAULT_LANGUAGE, Channel, Language
from backend.customers.models import ChatIdentity, Customer
from backend.text import has_control


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
