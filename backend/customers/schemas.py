"""What the API says about customers."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.customers.enums import Channel, Language
from backend.customers.phones import normalise as normalise_phone
from backend.text import clean_or_none

# Where a product's purchase date comes from, and where its warranty stands.
PurchaseBasis = Literal["purchase_date", "installation"]
WarrantyStatus = Literal["in_warranty", "main_parts_only", "expired", "unknown"]


class CustomerIn(BaseModel):
    """The chat a request comes from, and what the bot knows of the person behind it."""

    channel: Channel
    chat_id: str = Field(min_length=1, max_length=64)
    display_name: str | None = Field(default=None, max_length=100)
    language: Language | None = None

    @field_validator("chat_id", "display_name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return clean_or_none(value)


class CustomerOut(BaseModel):
    id: int
    display_name: str | None
    language: Language


class ProductRecord(BaseModel):
    """A product the customer owns, as their tickets tell, and its warranty."""

    product: str
    tickets: int = Field(description="how many of the customer's tickets are about it")
    first_seen: datetime.date = Field(description="the date of its first ticket")
    purchased: datetime.date | None = Field(description="the purchase (invoice) date a ticket "
                                            "recorded, else its installation's date; null: "
                                            "unknown")
    purchased_basis: PurchaseBasis | None
    warranty_years: int | None = Field(description="whole unit, from the knowledge base")
    main_parts_years: int | None = Field(description="main parts, from the knowledge base")
    warranty_until: datetime.date | None
    main_parts_until: datetime.date | None
    warranty_status: WarrantyStatus


class ArchiveTicket(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    type: str
    status: str
    priority: str
    product: str | None
    created_at: datetime.datetime


class CustomerArchive(BaseModel):
    """What staff see of a customer beside one of their tickets: the products they own (with
    warranty) and their other tickets, newest first."""

    customer: CustomerOut
    products: list[ProductRecord]
    tickets: list[ArchiveTicket]


# ---- staff: finding a customer -------------------------------------------------------------

class PhoneSearch(BaseModel):
    """A phone number as staff type it ("138 0013 8000", "+852 9123 4567", "0912-345-678"). In
    the body, not the address: a number must not end up in access logs."""

    phone: str = Field(min_length=1, max_length=40)

    @field_validator("phone")
    @classmethod
    def _a_number(cls, value: str) -> str:
        if normalise_phone(value) is None:
            raise ValueError("not a phone number: 5 to 20 digits, with an optional +86, +852 "
                             "or +886 (or 00…) in front")
        return value


class ChatRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: Channel
    chat_id: str


class CustomerSummary(BaseModel):
    """A customer as staff find them: who, how to reach them in the chat, since when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str | None
    language: Language
    tier: str
    created_at: datetime.datetime
    anonymised_at: datetime.datetime | None
    chats: list[ChatRef] = Field(validation_alias="identities")


class CustomerMatches(BaseModel):
    items: list[CustomerSummary]
