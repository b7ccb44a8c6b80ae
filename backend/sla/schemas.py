"""What the service-level API accepts and returns, and the service-level fields of a ticket's
staff views."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from backend.database import utcnow
from backend.sla.enums import AppointmentWindow, Milestone, SlaState
from backend.sla.service import state_of
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
    window: AppointmentWindow = Field(description="morning 08–12, afternoon 12–18, evening "
                                                  "18–20 (local)")


class AppointmentChange(BaseModel):
    """The customer asks for another time (the bot's reading of what they wrote)."""

    requested: str = Field(min_length=1, max_length=200, description="e.g. "
                           "`2026-11-28 afternoon`, or the customer's own words")

    @field_validator("requested", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return clean_or_none(value)


class CompleteRequest(_WithNote):
    """The technician's note on the finished job (for the record; not told to the customer)."""


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


class TicketServiceLevels(BaseModel):
    """A ticket's due times, SLA state, appointment and acceptance, in the staff's views
    (backend.tickets.schemas)."""

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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sla_state(self) -> SlaState | None:
        """on_track, nearly_due or overdue against the next pending milestone, now."""
        return state_of(self, now=utcnow())
