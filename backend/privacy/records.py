"""A customer's quotes, payments and service records: in their export, and in their erasure.

Export: every quote version with its lines and the decision (who, when, the reason and the
customer's own words on a decline: the decision event's note), every payment, and every
version of every service record: its content decrypted (diagnosis, product with serial number,
work, parts, charge, the signature with the chat that signed), its hash and the row's heads.

Erasure: quotes and payments hold nothing personal of their own (prices, fee items, parts,
receipt numbers, staff actors); who decided and the typed words are the decision's ticket
event, whose note and chat actor the erasure clears with every event's. They stay: the
accounts and the statistics count them. A service record's content is rewritten without what
is personal (the diagnosis, the product's serial number, the chat in the signature, which
becomes `customer` as event actors do), a correction's reason is emptied, and the hash is taken
again of what is stored, so the version still verifies (the earlier hash went with the events'
notes that quoted it). When it was signed, on which channel, the fault category, work, parts,
charge and technician stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.privacy.enums import CUSTOMER_ACTOR
from backend.privacy.schemas import ServiceRecordOut
from backend.quotes.models import Payment, Quote
from backend.quotes.schemas import PaymentOut, QuoteOut
from backend.service_records import content as record_content
from backend.service_records.models import ServiceRecord
from backend.service_records.schemas import RecordContent, VersionHead


async def quotes(db_session: AsyncSession, numbers_by_id: dict[int, str]) -> list[QuoteOut]:
    """Every quote version of these tickets, by ticket and version."""
    rows = (await db_session.execute(
        select(Quote).where(Quote.ticket_id.in_(numbers_by_id))
        .order_by(Quote.ticket_id, Quote.version))).scalars()
    return [QuoteOut.of(quote, numbers_by_id[quote.ticket_id]) for quote in rows]


async def payments(db_session: AsyncSession, numbers_by_id: dict[int, str]) -> list[PaymentOut]:
    """Every payment recorded on these tickets, oldest first, with its quote's version."""
    versions = {quote_id: version for quote_id, version in (await db_session.execute(
        select(Quote.id, Quote.version).where(Quote.ticket_id.in_(numbers_by_id)))).all()}
    rows = (await db_session.execute(
        select(Payment).where(Payment.ticket_id.in_(numbers_by_id))
        .order_by(Payment.id))).scalars()
    return [PaymentOut.of(payment, numbers_by_id[payment.ticket_id],
                          versions.get(payment.quote_id) if payment.quote_id else None)
            for payment in rows]


async def service_records(db_session: AsyncSession,
                          numbers_by_id: dict[int, str]) -> list[ServiceRecordOut]:
    """Every version of these tickets' service records, content decrypted."""
    rows = (await db_session.execute(
        select(ServiceRecord).where(ServiceRecord.ticket_id.in_(numbers_by_id))
        .order_by(ServiceRecord.ticket_id, ServiceRecord.version))).scalars()
    return [ServiceRecordOut(**VersionHead.of_row(row).model_dump(),
                             ticket_number=numbers_by_id[row.ticket_id],
                             signed_channel=row.signed_channel,
                             content=RecordContent.model_validate(row.content))
            for row in rows]


def anonymised(stored: dict) -> dict:
    """A version's stored content without the customer's personal data (module docstring)."""
    record = RecordContent.model_validate(stored)
    signature = record.signature
    return record_content.stored(record.model_copy(update={
        "diagnosis": "",
        "product": record.product.model_copy(update={"serial": None}),
        "signature": signature.model_copy(update={"chat_actor": CUSTOMER_ACTOR})
        if signature is not None else None}))


async def erase_service_records(db_session: AsyncSession, ticket_ids: Sequence[int]) -> int:
    """Rewrite every version of these (locked) tickets' records without personal data, each
    hashed again; how many versions. The caller commits."""
    rows = (await db_session.execute(
        select(ServiceRecord).where(ServiceRecord.ticket_id.in_(ticket_ids)))).scalars().all()
    for row in rows:
        cleared = anonymised(row.content)
        row.content, row.content_hash = cleared, record_content.hash_of(cleared)
        row.reason = None  # a correction's reason may quote the customer
    return len(rows)
