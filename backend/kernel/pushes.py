"""The push contract: what the backend tells the bot about a ticket, one model per kind.

A producer in the backend builds a model (`StatusChanged(...)`, `StaffAlert(...)`, …) and
queues it (`backend.notifications.service.enqueue`, `backend.tickets.lifecycle.push`), which
writes `to_payload(push)` into the outbox; the dispatcher POSTs that dict, signed, to the bot's
`/internal/push`, and the bot reads it back with `read(payload)` and renders it by its model
(bot/dialogue/pushes.py).

The payload is the wire format, and rows already in an outbox must still render, so it does
not change shape: a status change carries no `kind` (the payloads from before there were other
kinds), dates and times are ISO strings, and a field a producer does not always write is left
out when empty (`omit_if_none`). Every payload has `event_id` (unique: the outbox row's id,
the bot de-duplicates on it), `ticket_number`, `channel`, `chat_id` and `language`; every one
but the surveys' has `occurred_at`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

log = logging.getLogger(__name__)


class PushKind(StrEnum):
    """Every push's `kind` (a payload without one is a status change)."""

    status_changed = "status_changed"  # tickets: a status change (or a visit moved)
    appointment_reminder = "appointment_reminder"  # sla: the day before the visit
    acceptance_request = "acceptance_request"  # sla: the job is done (before service records)
    service_record = "service_record"  # service_records: the job's record, to confirm
    ticket_reply = "ticket_reply"  # tickets: staff write about one ticket
    staff_alert = "staff_alert"  # to the staff chat: escalations, SLA breaches, surveys
    handoff_position = "handoff_position"  # handoff: the customer's place in the line
    handoff_taken = "handoff_taken"  # handoff: a person took the conversation
    staff_message = "staff_message"  # handoff: what that person writes
    handoff_ended = "handoff_ended"  # handoff: back to the bot
    survey_request = "survey_request"  # surveys: the return visit starts
    survey_reminder = "survey_reminder"  # surveys: once, if unanswered
    quote_sent = "quote_sent"  # quotes: a quote (or its new version) to accept or decline


# A moment as the payloads always carried it: `datetime.isoformat()`.
IsoDateTime = Annotated[datetime, PlainSerializer(lambda moment: moment.isoformat(),
                                                  return_type=str, when_used="json")]


def new_event_id() -> str:
    return str(uuid.uuid4())


class _Push(BaseModel):
    """What every push carries: where it goes and its id."""

    # forbid: a misspelt field is an error where the push is built (`read` drops the fields
    # a kind does not have before it validates); numbers where text is due are read as text.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
    # Left out of the payload when None (fields not every producer of the kind writes).
    omit_if_none: ClassVar[frozenset[str]] = frozenset()

    event_id: str = Field(default_factory=new_event_id)
    ticket_number: str
    channel: str
    chat_id: str
    language: str | None  # the customer's (the chat's own language wins in the bot)


class _Timed(_Push):
    omit_if_none: ClassVar[frozenset[str]] = frozenset({"occurred_at"})

    occurred_at: IsoDateTime | None = None


class Appointment(BaseModel):
    """A booked visit, as a status push carries it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    window: str | None  # morning | afternoon | evening (backend.tickets.enums)


class Technician(BaseModel):
    """Who comes to the door (一证件): the display name and staff number, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    staff_number: str | None = None  # none set: the name alone


class StatusChanged(_Timed):
    """The ticket's status changed (or, `previous_status` = `status` = scheduled, its visit
    moved). Written without a `kind`."""

    omit_if_none: ClassVar[frozenset[str]] = frozenset({"occurred_at", "appointment",
                                                        "technician"})

    kind: Literal[PushKind.status_changed] = PushKind.status_changed
    ticket_type: str
    status: str
    previous_status: str
    note: str | None = None  # staff's words to the customer
    appointment: Appointment | None = None  # a visit just scheduled: to confirm or move
    # With a visit scheduled: the technician assigned, to check at the door.
    technician: Technician | None = None


class AppointmentReminder(_Timed):
    kind: Literal[PushKind.appointment_reminder] = PushKind.appointment_reminder
    ticket_type: str
    date: date
    window: str | None


class AcceptanceRequest(_Timed):
    kind: Literal[PushKind.acceptance_request] = PushKind.acceptance_request
    ticket_type: str


class RecordLine(BaseModel):
    """A line of a service record as the chat shows it: a labour item (its fee code) or a
    part (its part number), named in each language, its amount and its warranty."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    names: dict[str, str]  # zh-Hans, zh-Hant, en
    quantity: int = 1
    amount: int  # minor units of the record's currency; 0: not charged
    in_warranty: bool = False
    warranty_reason: str | None = None  # product_warranty | main_parts_warranty | …
    warranty_until: date | None = None  # a part's own warranty (配件保修)


class ServiceRecordSent(_Timed):
    """The job is done: its service record (backend/service_records), for the customer to
    confirm (`version`: the one shown) or say is not fixed. No free text: the diagnosis stays
    with staff."""

    kind: Literal[PushKind.service_record] = PushKind.service_record
    ticket_type: str
    version: int
    corrected: bool = False  # staff corrected a record shown before
    technician: Technician
    fault: dict[str, str]  # the fault category's names (zh-Hans, zh-Hant, en)
    work_items: list[RecordLine] = []
    parts: list[RecordLine] = []
    currency: str
    total: int  # minor units
    paid: int = 0
    product_warranty_until: date | None = None
    parts_warranty_until: date | None = None


class TicketReply(_Timed):
    kind: Literal[PushKind.ticket_reply] = PushKind.ticket_reply
    staff: str  # the staff member's display name
    text: str


class StaffAlert(_Timed):
    """To the staff chat (settings.staff_alert_chat_id), its text in the staff's language; an
    SLA breach also names the milestone and its due time. No personal data."""

    omit_if_none: ClassVar[frozenset[str]] = frozenset({"occurred_at", "milestone", "due_at"})

    kind: Literal[PushKind.staff_alert] = PushKind.staff_alert
    text: str
    milestone: str | None = None
    due_at: IsoDateTime | None = None


class HandoffPosition(_Timed):
    kind: Literal[PushKind.handoff_position] = PushKind.handoff_position
    position: int  # customers ahead (0: next)
    expected_wait_minutes: int
    cause: Literal["moved", "asked"]  # the line moved, or the customer wrote


class HandoffTaken(_Timed):
    kind: Literal[PushKind.handoff_taken] = PushKind.handoff_taken
    staff: str


class StaffMessage(_Timed):
    kind: Literal[PushKind.staff_message] = PushKind.staff_message
    staff: str
    text: str


class HandoffEnded(_Timed):
    kind: Literal[PushKind.handoff_ended] = PushKind.handoff_ended


class _SurveyPush(_Push):  # no occurred_at
    survey_id: int
    ticket_type: str


class SurveyRequest(_SurveyPush):
    kind: Literal[PushKind.survey_request] = PushKind.survey_request


class SurveyReminder(_SurveyPush):
    kind: Literal[PushKind.survey_reminder] = PushKind.survey_reminder


class QuotedLine(BaseModel):
    """One line of a pushed quote: its names in the three languages (the bot shows the
    chat's), amounts in minor units of the quote's currency (0 when in warranty)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str  # visit | labour | part (backend.quotes.enums.LineKind)
    code: str | None = None  # the fee item's code, the part number
    names: dict[str, str]  # zh-Hans, zh-Hant, en
    quantity: int
    unit_price: int
    amount: int
    in_warranty: bool = False
    # Why it is free (backend.quotes.enums.WarrantyReason), the last day of that cover, and
    # for a part replaced again, the ticket it was fitted on.
    warranty_reason: str | None = None
    warranty_until: date | None = None
    earlier_ticket: str | None = None


class QuoteSent(_Timed):
    """A quote for the customer to accept or decline (or, `needs_acceptance` false, everything
    free: told, not asked); `replaces`: the version this one supersedes."""

    omit_if_none: ClassVar[frozenset[str]] = frozenset({"occurred_at", "replaces"})

    kind: Literal[PushKind.quote_sent] = PushKind.quote_sent
    quote_id: int
    version: int
    replaces: int | None = None
    currency: str  # CNY, HKD, TWD
    total: int
    declined_charge: int  # what declining costs: the visit fee, or 0
    needs_acceptance: bool
    lines: list[QuotedLine]


Push = Annotated[
    StatusChanged | AppointmentReminder | AcceptanceRequest | TicketReply | StaffAlert
    | HandoffPosition | HandoffTaken | StaffMessage | HandoffEnded | SurveyRequest
    | SurveyReminder | ServiceRecordSent | QuoteSent,
    Field(discriminator="kind"),
]
HandoffPush = HandoffPosition | HandoffTaken | StaffMessage | HandoffEnded

# The model of each kind (keyed by the kind's value: a payload's `kind` is read as text).
MODELS: dict[str, type[_Push]] = {
    model.model_fields["kind"].default: model
    for model in (StatusChanged, AppointmentReminder, AcceptanceRequest, TicketReply,
                  StaffAlert, HandoffPosition, HandoffTaken, StaffMessage, HandoffEnded,
                  SurveyRequest, SurveyReminder, ServiceRecordSent, QuoteSent)
}


def kind_of(payload: Mapping[str, Any]) -> str:
    """The payload's kind as written (none: a status change)."""
    return str(payload.get("kind") or PushKind.status_changed)


def to_payload(push: Push) -> dict[str, Any]:
    """What goes into the outbox (and over the wire): a JSON-ready dict."""
    omitted = {name for name in push.omit_if_none if getattr(push, name) is None}
    if push.kind == PushKind.status_changed:
        omitted.add("kind")
    return push.model_dump(mode="json", exclude=omitted)


def read(payload: Mapping[str, Any]) -> Push | None:
    """The push a payload carries (fields its kind does not have are ignored), or None for a
    kind this code does not know or a payload its kind's model refuses (the bot shows those as
    a generic update)."""
    if not isinstance(payload, Mapping):
        return None
    kind = kind_of(payload)
    model = MODELS.get(kind)
    if model is None:
        return None
    fields = {name: value for name, value in payload.items() if name in model.model_fields}
    try:
        # (`Push` is the union of the MODELS: the model of this kind is one of its members.)
        return cast(Push, model.model_validate({**fields, "kind": kind}))
    except ValidationError as error:  # the fields only: a payload carries personal text
        log.warning("push %s of kind %s malformed in %s", payload.get("event_id"), kind,
                    sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]}))
        return None
