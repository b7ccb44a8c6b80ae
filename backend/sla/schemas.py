"""What the service-level API accepts and returns, and the service-level fields of a ticket's
staff views."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.sla.enums import AppointmentWindow, Milestone
from backend.text import clean_or_none

NOTE_MAX = 1000


class _WithNote(BaseModel):
    note: str | None = Field(default=None, max_length=NOTE_MAX)

    @field_validator("note", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)


class ScheduleRequest(_WithNote):
    date: dt.date = Field(description="the appointment's local date, e.g. 2026-11-28")
    window: AppointmentWindow = Field(description="morning, afternoon or evening: local hours "
                                                  "from APPOINTMENT_WINDOWS (by default 08–12, "
                                                  "12–18, 18–20)")


class AppointmentChange(BaseModel):
    """The customer asks for another time (the bot's reading of what they wrote)."""

    requested: str = Field(min_length=1, max_length=200, description="e.g. "
                           "`2026-11-28 afternoon`, or the customer's own words")

    @field_validator("requested", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)


class RejectRequest(_WithNote):
    """What the customer says is still wrong."""


class SlaPolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_type: str
    priority: str | None = Field(description="null: any priority")
    customer_tier: str | None = Field(description="null: any tier")
    first_response_minutes: int
    on_site_minutes: int | None
    resolution_minutes: int
    business_hours_only: bool


class BreachOut(BaseModel):
    ticket_number: str
    ticket_type: str
    priority: str
    status: str
    milestone: Milestone
    due_at: dt.datetime
    breached_at: dt.datetime
    city: str | None
    district: str | None
    outlet_id: int | None

    @classmethod
    def of(cls, breach) -> BreachOut:
        ticket = breach.ticket
        return cls(ticket_number=ticket.number, ticket_type=ticket.type,
                   priority=ticket.priority, status=ticket.status, milestone=breach.milestone,
                   due_at=breach.due_at, breached_at=breach.breached_at, city=ticket.city,
                   district=ticket.district,
                   outlet_id=ticket.outlet_id or ticket.proposed_outlet_id)


class BreachPage(BaseModel):
    items: list[BreachOut]
    total: int
    limit: int
    offset: int
