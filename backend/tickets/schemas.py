"""What the ticket API accepts and returns.

Two views of a ticket: the customer's (through the bot: phone masked, no address) and the
staff's (contact data decrypted, the service record).
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from backend.customers.enums import Channel, Language
from backend.customers.schemas import CustomerIn, CustomerOut
from backend.kernel.database import utcnow
from backend.text import NoControl, clean, clean_or_none
from backend.tickets.due import state_of
from backend.tickets.enums import (
    ON_SITE_TYPES,
    AppointmentWindow,
    CancelReason,
    EscalationTarget,
    FeedbackKind,
    Milestone,
    SlaState,
    TicketPriority,
    TicketStatus,
    TicketType,
)

DESCRIPTION_MAX = 2000
ADDRESS_MAX = 500
PHONE_PATTERN = re.compile(r"^\+?[0-9]+$")
PHONE_MIN, PHONE_MAX = 5, 20
# Separators people type inside phone numbers; removed before the phone is checked.
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")

class AttachmentIn(BaseModel):
    """A file the customer sent in the chat, kept as the channel's reference to it."""

    kind: str = Field(pattern=r"^(photo|document)$")
    file_id: str = Field(min_length=1, max_length=300)
    channel: Channel


class TicketCreate(BaseModel):
    customer: CustomerIn
    type: TicketType
    product: str | None = Field(default=None, max_length=100)
    # An installation needs none: the product and the appointment say it all.
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    details: dict[str, str] = Field(default_factory=dict, max_length=20)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)
    error_code: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, description="digits with an optional leading +, "
                              "5 to 20 characters; spaces and dashes are removed")
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)
    preferred_time: str | None = Field(default=None, max_length=200)
    # One of the customer's registered products (the bot offers them); a product that is not
    # theirs is not linked (backend/products/tickets.py).
    product_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    priority: TicketPriority | None = None

    @field_validator("product", "error_code", "address", "preferred_time", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)

    @field_validator("description", mode="before")
    @classmethod
    def _strip_description(cls, value: object) -> object:
        return clean(value)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return value
        value = _PHONE_SEPARATORS.sub("", value)
        if not value:
            return None
        if not (PHONE_PATTERN.match(value) and PHONE_MIN <= len(value) <= PHONE_MAX):
            raise ValueError(f"phone must be {PHONE_MIN} to {PHONE_MAX} characters: digits "
                             "with an optional leading +")
        return value

    @field_validator("details")
    @classmethod
    def _details(cls, value: dict[str, str]) -> dict[str, str]:
        if any(len(k) > 40 or len(v) > 500 for k, v in value.items()):
            raise ValueError("details: keys up to 40 and values up to 500 characters")
        return value

    @model_validator(mode="after")
    def _described(self) -> TicketCreate:
        if not self.description and self.type != TicketType.installation:
            raise ValueError(f"a {self.type} ticket needs a description")
        return self

    @model_validator(mode="after")
    def _on_site_needs_contact(self) -> TicketCreate:
        if self.type in ON_SITE_TYPES:
            missing = [name for name in ("phone", "address") if not getattr(self, name)]
            if missing:
                raise ValueError(f"a {self.type} ticket needs {' and '.join(missing)} "
                                 "(a technician comes to the door)")
        return self


class StatusChange(BaseModel):
    status: TicketStatus
    note: str | None = Field(default=None, max_length=1000)
    # Resolving a repair or installation is the customer's confirmation of its service
    # record; staff resolving it instead say why (kept, counted apart in the statistics).
    override_reason: str | None = Field(default=None, max_length=500, description=(
        "required to resolve a repair or installation (the customer did not confirm it)"))

    @field_validator("note", "override_reason", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)


class ProductOnSite(BaseModel):
    """What the technician reads off the nameplate (at least one of the two)."""

    model: Annotated[str | None, Field(default=None, min_length=1, max_length=64), NoControl]
    serial: Annotated[str | None, Field(default=None, min_length=4, max_length=64), NoControl]

    @model_validator(mode="after")
    def _something(self) -> ProductOnSite:
        if not (self.model or self.serial):
            raise ValueError("give the model, the serial number or both")
        return self


class AssignRequest(BaseModel):
    assignee: str = Field(min_length=1, max_length=64, description="a staff username")

    @field_validator("assignee", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value)  # PostgreSQL refuses NUL even in a lookup


class _StaffText(BaseModel):
    text: str = Field(min_length=1, max_length=2000)

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value)


class NoteRequest(_StaffText):
    """An internal note: staff only, never shown to the customer."""


class ReplyRequest(_StaffText):
    """A message for the customer's chat."""


class EscalateRequest(BaseModel):
    to: EscalationTarget = Field(description="the team: supervisor, agent, dispatcher or "
                                             "technician")
    assignee: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="a staff username of that team (required for a "
                                             "technician); the ticket is assigned to them")
    reason: str = Field(min_length=1, max_length=1000, description="why (required)")

    @field_validator("reason", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean(value)

    @field_validator("assignee", mode="before")
    @classmethod
    def _strip_assignee(cls, value: object) -> object:
        return clean_or_none(value)


class CancelRequest(BaseModel):
    reason: CancelReason


class FeedbackRequest(BaseModel):
    kind: FeedbackKind = FeedbackKind.comment
    text: str | None = Field(default=None, max_length=1000)

    @field_validator("text", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`: enough for a customer to recognise their own number."""
    if not phone:
        return None
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


class TicketCustomerView(BaseModel):
    """A ticket as its customer may see it."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    type: TicketType
    status: TicketStatus
    priority: TicketPriority
    product: str | None
    description: str
    error_code: str | None
    phone_masked: str | None
    preferred_time: str | None
    language: Language
    created_at: datetime
    updated_at: datetime
    # The registered product's warranty when the ticket was created (a repair of one).
    warranty: dict | None = None

    @classmethod
    def of(cls, ticket) -> TicketCustomerView:
        return cls(
            number=ticket.number, type=ticket.type, status=ticket.status,
            priority=ticket.priority, product=ticket.product, description=ticket.description,
            error_code=ticket.error_code, phone_masked=mask_phone(ticket.phone),
            preferred_time=ticket.preferred_time, language=ticket.language,
            created_at=ticket.created_at, updated_at=ticket.updated_at,
            warranty=ticket.warranty,
        )


class ExpediteAnswer(BaseModel):
    ticket: TicketCustomerView
    priority_raised: bool
    # Someone acts on the ticket within this many hours (by its priority now).
    act_within_hours: int


class TicketDispatch(BaseModel):
    """A ticket's dispatch fields, in the staff's views (below); kept by backend.outlets."""

    city: str | None = Field(default=None, description="from the address (plaintext)")
    district: str | None = Field(default=None, description="from the address (plaintext)")
    proposed_outlet_id: int | None = Field(default=None, description="the outlet covering the "
                                           "address when the ticket came in")
    outlet_id: int | None = Field(default=None, description="the outlet staff confirmed or "
                                  "chose (POST /api/v1/tickets/{number}/outlet)")


class TicketServiceLevels(BaseModel):
    """A ticket's due times, SLA state, appointment and acceptance, in the staff's views
    (below); kept by backend.sla."""

    first_response_due: dt.datetime | None = None
    on_site_due: dt.datetime | None = None
    resolution_due: dt.datetime | None = None
    sla_due_at: dt.datetime | None = Field(default=None, description="the next pending "
                                        "milestone's due time (null: no clock runs)")
    sla_warn_at: dt.datetime | None = Field(default=None, description="from when that one is "
                                         "nearly due (less than a quarter of its window left)")
    sla_breached_at: dt.datetime | None = Field(default=None, description="the first breach")
    sla_breached_milestone: Milestone | None = None
    appointment_date: dt.date | None = None
    appointment_window: AppointmentWindow | None = None
    appointment_confirmed_at: dt.datetime | None = Field(default=None, description="the "
                                                      "customer confirmed the appointment")
    appointment_request: str | None = Field(default=None, description="the new time the "
                                         "customer asked for instead, until staff schedule "
                                         "again")
    awaiting_acceptance_since: dt.datetime | None = Field(default=None, description="the "
                                                       "technician finished; the customer has "
                                                       "not answered yet")
    resolved_by: str | None = Field(default=None, description="how it was resolved: "
                                    "confirmed (by the customer), timeout, override (staff, "
                                    "with a reason) or staff")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sla_state(self) -> SlaState | None:
        """on_track, nearly_due or overdue against the next pending milestone, now."""
        return state_of(self, now=utcnow())


class TicketSummary(TicketDispatch, TicketServiceLevels):
    """A line of the staff list (no contact data), with the ticket's place and outlet and its
    service levels (due times, SLA state, appointment, acceptance)."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    type: TicketType
    status: TicketStatus
    priority: TicketPriority
    product: str | None
    channel: Channel
    language: Language
    assignee: str | None = Field(default=None, description="the assigned staff member's "
                                 "username")
    escalated_to: EscalationTarget | None = Field(default=None, description="the team the "
                                                  "ticket was escalated to")
    escalated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @field_validator("assignee", mode="before")
    @classmethod
    def _username(cls, value: object) -> object:
        return getattr(value, "username", value)


class TicketPage(BaseModel):
    items: list[TicketSummary]
    total: int
    limit: int
    offset: int


class TicketEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    actor: str
    note: str | None
    created_at: datetime


class RegisteredProduct(BaseModel):
    """The customer's registered product a ticket is about, as staff on the ticket see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    brand: str | None
    model: str | None
    serial: str | None
    purchase_date: dt.date | None
    installed_on: dt.date | None


class TicketDetail(TicketSummary):
    """Everything about a ticket, for staff: contact data decrypted, the service record."""

    description: str
    error_code: str | None
    phone: str | None
    address: str | None
    preferred_time: str | None
    details: dict[str, str]
    attachments: list[dict]
    chat_id: str
    product_id: int | None = Field(default=None, description="the customer's registered "
                                   "product the ticket is about")
    registered_product: RegisteredProduct | None = None
    warranty: dict | None = Field(default=None, description="that product's warranty the "
                                  "day a repair ticket was created")
    customer: CustomerOut
    events: list[TicketEventOut]
