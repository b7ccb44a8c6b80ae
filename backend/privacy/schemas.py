"""What the privacy API says: everything held about a customer, and what an erasure did."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from backend.quotes.schemas import PaymentOut, QuoteOut
from backend.service_records.schemas import RecordContent, VersionHead


class ChatOut(BaseModel):
    channel: str
    chat_id: str
    since: datetime


class ProductOut(BaseModel):
    """A product the customer registered (backend/products)."""

    id: int
    category: str
    brand: str | None
    model: str | None
    serial: str | None
    purchase_date: date | None
    purchased_from: str | None
    installed_on: date | None
    install_address: str | None
    region: str
    source: str
    registered_at: datetime


class PhotoOut(BaseModel):
    """A photo of an invoice or a nameplate the customer sent (backend/products/photos/
    store.py), the image itself as base64."""

    kind: str
    product_id: int | None = Field(
        description="the product it is kept with (`products[].id`); none: sent, but no "
                    "registration named it (deleted a day after it came)")
    content_type: str
    size: int
    sent_at: datetime
    image_base64: str


class TicketEventOut(BaseModel):
    """One step of a ticket's record (staff notes are not part of it)."""

    kind: str
    from_status: str | None
    to_status: str | None
    at: datetime


class TicketOut(BaseModel):
    number: str
    type: str
    status: str
    product: str | None
    description: str
    error_code: str | None
    phone: str | None
    address: str | None
    preferred_time: str | None
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    events: list[TicketEventOut]


class SurveyOut(BaseModel):
    ticket_number: str
    state: str
    solved: bool | None
    rating: int | None
    comment: str | None
    explained_usage: bool | None
    answered_at: datetime | None


class TranscriptLine(BaseModel):
    """What was said in a live conversation with staff."""

    ticket_number: str
    sender: str
    text: str
    at: datetime


class ServiceRecordOut(VersionHead):
    """One version of a ticket's service record (backend/service_records): its content
    decrypted (the signature, with the chat that signed, is in it), `content_hash` the sha256
    of the content's canonical JSON (docs/service-records.md, "The hash")."""

    ticket_number: str
    signed_channel: str | None
    content: RecordContent


class PrivacyActionOut(BaseModel):
    kind: str
    actor: str
    tickets_cancelled: int | None
    at: datetime


class CustomerExport(BaseModel):
    """Everything held about one customer, personal data in clear."""

    customer_id: int
    display_name: str | None
    language: str
    tier: str
    created_at: datetime
    anonymised_at: datetime | None
    chats: list[ChatOut]
    tickets: list[TicketOut]
    products: list[ProductOut]
    photos: list[PhotoOut]
    surveys: list[SurveyOut]
    conversations: list[TranscriptLine]
    quotes: list[QuoteOut] = Field(description="every version of every ticket's quote, with "
                                               "its lines and the decision")
    payments: list[PaymentOut]
    service_records: list[ServiceRecordOut] = Field(description="every version of every "
                                                                "ticket's service record")
    privacy_log: list[PrivacyActionOut]


class ErasureOut(BaseModel):
    customer_id: int
    anonymised_at: datetime
    tickets_anonymised: int
    tickets_cancelled: int
