"""The push contract (backend/kernel/pushes.py): every kind has a model, every model and every
producer's push survives the trip to the bot (`to_payload`, JSON, `read`), the payloads keep the
shape they always had (rows already in an outbox still render), and what the bot cannot read
comes back as None (shown as a generic update)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from backend.customers.models import Customer
from backend.handoff import service as handoff_service
from backend.handoff.models import Handoff
from backend.kernel import pushes
from backend.kernel.pushes import (
    MODELS,
    AcceptanceRequest,
    Appointment,
    AppointmentReminder,
    HandoffEnded,
    HandoffPosition,
    HandoffTaken,
    PushKind,
    QuotedLine,
    QuoteSent,
    RecordLine,
    ServiceRecordSent,
    StaffAlert,
    StaffMessage,
    StatusChanged,
    SurveyReminder,
    SurveyRequest,
    Technician,
    TicketReply,
    read,
    to_payload,
)
from backend.quotes import service as quote_service
from backend.quotes.models import Quote, QuoteLine
from backend.service_records import content as record_content
from backend.service_records.schemas import RecordContent
from backend.sla import appointments
from backend.sla import service as sla_service
from backend.sla.enums import Milestone
from backend.surveys import service as survey_service
from backend.surveys.models import Survey
from backend.tickets import escalation, lifecycle
from backend.tickets.enums import TicketStatus
from backend.tickets.models import Ticket

NOW = datetime(2026, 11, 24, 3, 4, 5, 678901, tzinfo=UTC)
TO = {"ticket_number": "RS-20261124-0007", "channel": "telegram", "chat_id": "42",
      "language": "zh-Hans"}

NAMES = {"zh-Hans": "冰箱压缩机", "zh-Hant": "雪櫃壓縮機", "en": "Fridge compressor"}
# A service record's content (backend/service_records/schemas.py), as completion writes it.
RECORD = RecordContent.model_validate({
    "ticket_number": "RS-20261124-0007", "ticket_type": "repair", "version": 1,
    "product": {"category": "冰箱"}, "technician": {"name": "王师傅"},
    "completed_at": NOW.isoformat(), "diagnosis": "压缩机卡缸",
    "fault_category": {"code": "RF-COMP", "names": NAMES}, "work_items": [], "parts": [],
    "checklist": {"test_run": True, "usage_explained": True, "site_cleaned": True},
    "charge": {"currency": "CNY", "total": 0}, "warranty": {"product_until": None,
                                                            "parts_until": None}})

# One push of every kind, with sample values (and the optional fields both set and not).
SAMPLES = [
    StatusChanged(**TO, ticket_type="repair", status="assigned", previous_status="new",
                  note=None, occurred_at=NOW),
    StatusChanged(**TO, ticket_type="repair", status="scheduled", previous_status="assigned",
                  note="请提前清空冰箱", occurred_at=NOW,
                  appointment=Appointment(date=date(2026, 11, 28), window="afternoon")),
    AppointmentReminder(**TO, ticket_type="repair", date=date(2026, 11, 28), window="morning",
                        occurred_at=NOW),
    AcceptanceRequest(**TO, ticket_type="installation", occurred_at=NOW),
    TicketReply(**TO, staff="王工", text="明天上午到", occurred_at=NOW),
    StaffAlert(**TO, text="工单升级给主管：客户投诉", occurred_at=NOW),
    StaffAlert(**TO, text="首次响应已超时", milestone="first_response", due_at=NOW,
               occurred_at=NOW),
    HandoffPosition(**TO, position=2, expected_wait_minutes=9, cause="moved", occurred_at=NOW),
    HandoffPosition(**TO, position=0, expected_wait_minutes=1, cause="asked", occurred_at=NOW),
    HandoffTaken(**TO, staff="Alice", occurred_at=NOW),
    StaffMessage(**TO, staff="Alice", text="您好", occurred_at=NOW),
    HandoffEnded(**TO, occurred_at=NOW),
    SurveyRequest(**TO, survey_id=3, ticket_type="repair"),
    SurveyReminder(**TO, survey_id=3, ticket_type="installation"),
    QuoteSent(**TO, quote_id=9, version=2, replaces=1, currency="CNY", total=21000,
              declined_charge=3000, needs_acceptance=True, occurred_at=NOW, lines=[
                  QuotedLine(kind="visit", names={"zh-Hans": "上门费", "zh-Hant": "上門費",
                                                  "en": "Call-out fee"},
                             quantity=1, unit_price=3000, amount=3000),
                  QuotedLine(kind="part", code="RF-CMP", quantity=1, unit_price=98000,
                             amount=0, in_warranty=True, warranty_reason="free_replacement",
                             warranty_until=date(2027, 1, 5), earlier_ticket="RS-1",
                             names={"zh-Hans": "冰箱压缩机", "zh-Hant": "雪櫃壓縮機",
                                    "en": "Fridge compressor"})]),
    ServiceRecordSent(**TO, ticket_type="repair", version=2, corrected=True, occurred_at=NOW,
                      technician=Technician(name="王师傅", staff_number="T-0012"),
                      fault={"zh-Hans": "压缩机故障", "zh-Hant": "壓縮機故障",
                             "en": "Compressor fault"},
                      work_items=[RecordLine(code="RF-MAJOR", names=NAMES, amount=18000)],
                      parts=[RecordLine(code="RF-CMP", names=NAMES, quantity=1, amount=0,
                                        in_warranty=True, warranty_until=date(2027, 11, 24))],
                      currency="CNY", total=21000, paid=21000,
                      product_warranty_until=None, parts_warranty_until=date(2027, 11, 24)),
]


def over_the_wire(payload: dict) -> dict:
    """What the bot gets: the outbox's JSON, as the dispatcher sends it."""
    return json.loads(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


def test_every_kind_has_a_model_and_a_sample() -> None:
    assert set(MODELS) == set(PushKind)
    assert {push.kind for push in SAMPLES} == set(PushKind)


@pytest.mark.parametrize("push", SAMPLES, ids=lambda push: str(push.kind))
def test_every_push_round_trips_through_read(push) -> None:
    payload = to_payload(push)
    assert read(over_the_wire(payload)) == push
    assert to_payload(read(payload)) == payload


def test_a_status_change_is_written_without_a_kind_and_read_with_or_without_one() -> None:
    push = SAMPLES[0]
    payload = to_payload(push)
    assert "kind" not in payload and "appointment" not in payload
    assert read({**payload, "kind": "status_changed"}) == push


# ---- the producers: each one's push, and the payload keys it always had ------------------

def ticket() -> Ticket:
    customer = Customer(id=1, language="en")
    return Ticket(id=1, number="RS-20261124-0007", type="repair", status="scheduled",
                  channel="telegram", chat_id="42", language="zh-Hans", customer=customer,
                  priority="normal", city="北京", district="朝阳区",
                  appointment_date=date(2026, 11, 28), appointment_window="morning")


BASE = {"event_id", "ticket_number", "channel", "chat_id", "language"}
STATUS = BASE | {"ticket_type", "status", "previous_status", "note", "occurred_at"}


def producers() -> list[tuple[str, object, set[str]]]:
    """(what, its push, the keys its payload always had)."""
    t = ticket()
    handoff = Handoff(id=1, ticket=t, channel="telegram", chat_id="42", language="zh-Hant")
    survey = Survey(id=5, ticket_id=1)

    def on_handoff(model, **fields):
        return handoff_service._push(handoff, model, NOW, **fields)

    return [
        ("status", lifecycle.status_push(t, TicketStatus.assigned, TicketStatus.new, None, NOW),
         STATUS),
        ("status scheduled", lifecycle.status_push(t, TicketStatus.scheduled,
                                                   TicketStatus.assigned, "带梯子", NOW),
         STATUS | {"appointment"}),
        ("appointment reminder", appointments.reminder_push(t, now=NOW),
         BASE | {"kind", "ticket_type", "date", "window", "occurred_at"}),
        ("acceptance request", AcceptanceRequest(**lifecycle.to_customer(t),
                                                 ticket_type=t.type, occurred_at=NOW),
         BASE | {"kind", "ticket_type", "occurred_at"}),
        ("ticket reply", TicketReply(**lifecycle.to_customer(t), staff="王工", text="好的",
                                     occurred_at=NOW),
         BASE | {"kind", "staff", "text", "occurred_at"}),
        ("escalation alert", escalation.alert_push(t, "工单升级给主管：投诉", chat_id="-100",
                                                   now=NOW),
         BASE | {"kind", "text", "occurred_at"}),
        ("SLA breach alert", sla_service.staff_alert(t, Milestone.first_response, NOW,
                                                     event_id="e-1", chat_id="-100", now=NOW),
         BASE | {"kind", "text", "milestone", "due_at", "occurred_at"}),
        ("handoff position", on_handoff(HandoffPosition, position=1, cause="moved",
                                        expected_wait_minutes=6),
         BASE | {"kind", "position", "cause", "expected_wait_minutes", "occurred_at"}),
        ("handoff taken", on_handoff(HandoffTaken, staff="Alice"),
         BASE | {"kind", "staff", "occurred_at"}),
        ("staff message", on_handoff(StaffMessage, staff="Alice", text="您好"),
         BASE | {"kind", "staff", "text", "occurred_at"}),
        ("handoff ended", on_handoff(HandoffEnded), BASE | {"kind", "occurred_at"}),
        ("survey request", survey_service.survey_push(survey, t, t.customer, SurveyRequest),
         BASE | {"kind", "survey_id", "ticket_type"}),
        ("survey reminder", survey_service.survey_push(survey, t, None, SurveyReminder),
         BASE | {"kind", "survey_id", "ticket_type"}),
        ("quote sent", quote_service.quote_push(t, Quote(
            id=9, version=1, currency="CNY", total=3000, declined_charge=3000,
            needs_acceptance=True, lines=[QuoteLine(
                kind="visit", code=None, name_zh_hans="上门费", name_zh_hant="上門費",
                name_en="Call-out fee", quantity=1, unit_price=3000, amount=3000,
                in_warranty=False)]), None, NOW),
         BASE | {"kind", "quote_id", "version", "currency", "total", "declined_charge",
                 "needs_acceptance", "lines", "occurred_at"}),
        ("service record", record_content.push(t, RECORD, corrected=False, now=NOW),
         BASE | {"kind", "ticket_type", "version", "corrected", "technician", "fault",
                 "work_items", "parts", "currency", "total", "paid", "product_warranty_until",
                 "parts_warranty_until", "occurred_at"}),
    ]


@pytest.mark.parametrize(("what", "push", "keys"), producers(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_every_producers_push_round_trips_with_the_keys_it_always_had(what, push, keys) -> None:
    payload = to_payload(push)
    assert set(payload) == keys
    assert read(over_the_wire(payload)) == push
    assert over_the_wire(payload) == payload  # JSON values only


def test_the_producers_cover_every_kind() -> None:
    assert {push.kind for _, push, _ in producers()} == set(PushKind)


def test_producers_fill_the_fields_as_before() -> None:
    t = ticket()
    status = to_payload(lifecycle.status_push(t, TicketStatus.scheduled, TicketStatus.assigned,
                                              None, NOW))
    assert status | {"event_id": "x"} == {
        "event_id": "x", "ticket_number": "RS-20261124-0007", "ticket_type": "repair",
        "status": "scheduled", "previous_status": "assigned", "note": None,
        "channel": "telegram", "chat_id": "42", "language": "en",  # the customer's
        "occurred_at": "2026-11-24T03:04:05.678901+00:00",
        "appointment": {"date": "2026-11-28", "window": "morning"}}
    alert = to_payload(sla_service.staff_alert(t, Milestone.first_response, NOW, event_id="e-1",
                                               chat_id="-100", now=NOW))
    assert (alert["event_id"], alert["channel"], alert["chat_id"], alert["language"],
            alert["milestone"], alert["due_at"]) == (
        "e-1", "telegram", "-100", "zh-Hans", "first_response", NOW.isoformat())
    reminder = to_payload(appointments.reminder_push(t, now=NOW))
    assert (reminder["kind"], reminder["date"], reminder["window"]) == (
        "appointment_reminder", "2026-11-28", "morning")


# ---- payloads as they were written before the contract, maybe still in an outbox ----------

LEGACY = [
    {"event_id": "0b7c", "ticket_number": "RS-20261124-0007", "ticket_type": "repair",
     "status": "resolved", "previous_status": "in_progress", "note": "换了继电器",
     "channel": "telegram", "chat_id": "42", "language": "zh-Hans",
     "occurred_at": "2026-11-24T03:04:05.678901+00:00"},
    {"event_id": "0b7d", "ticket_number": "RS-20261124-0007", "ticket_type": "repair",
     "status": "scheduled", "previous_status": "scheduled", "note": None,
     "appointment": {"date": "2026-11-28", "window": "evening"}, "channel": "webchat",
     "chat_id": "f00d", "language": "en", "occurred_at": "2026-11-24T03:04:05+00:00"},
    {"event_id": "1", "kind": "appointment_reminder", "ticket_number": "IN-20261124-0001",
     "ticket_type": "installation", "date": "2026-11-28", "window": "morning",
     "channel": "telegram", "chat_id": "42", "language": "zh-Hant",
     "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "2", "kind": "acceptance_request", "ticket_number": "RS-20261124-0007",
     "ticket_type": "repair", "channel": "telegram", "chat_id": "42", "language": "zh-Hans",
     "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "3", "kind": "ticket_reply", "ticket_number": "RS-20261124-0007",
     "staff": "王工", "text": "明天到", "channel": "telegram", "chat_id": "42",
     "language": "zh-Hans", "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "4", "kind": "staff_alert", "channel": "telegram", "chat_id": "-100",
     "language": "zh-Hans", "ticket_number": "CP-20261124-0002", "text": "工单升级给主管：投诉",
     "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "5", "kind": "staff_alert", "channel": "telegram", "chat_id": "-100",
     "language": "zh-Hans", "ticket_number": "RS-20261124-0007", "milestone": "on_site",
     "due_at": "2026-11-25T12:00:00+00:00", "text": "上门已超时",
     "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "6", "kind": "handoff_position", "ticket_number": "IQ-20261124-0001",
     "channel": "telegram", "chat_id": "7", "language": "zh-Hans",
     "occurred_at": "2026-11-27T00:00:00+00:00", "position": 0, "cause": "asked",
     "expected_wait_minutes": 3},
    {"event_id": "7", "kind": "handoff_taken", "ticket_number": "IQ-20261124-0001",
     "channel": "telegram", "chat_id": "7", "language": "en",
     "occurred_at": "2026-11-27T00:00:00+00:00", "staff": "Alice"},
    {"event_id": "8", "kind": "staff_message", "ticket_number": "IQ-20261124-0001",
     "channel": "telegram", "chat_id": "7", "language": "en",
     "occurred_at": "2026-11-27T00:00:00+00:00", "staff": "Alice", "text": "Hello"},
    {"event_id": "9", "kind": "handoff_ended", "ticket_number": "IQ-20261124-0001",
     "channel": "telegram", "chat_id": "7", "language": "en",
     "occurred_at": "2026-11-27T00:00:00+00:00"},
    {"event_id": "10", "kind": "survey_request", "survey_id": 3,
     "ticket_number": "RS-20261124-0007", "ticket_type": "repair", "channel": "telegram",
     "chat_id": "42", "language": "zh-Hans"},
    {"event_id": "11", "kind": "survey_reminder", "survey_id": 3,
     "ticket_number": "RS-20261124-0007", "ticket_type": "repair", "channel": "telegram",
     "chat_id": "42", "language": "zh-Hans"},
]


@pytest.mark.parametrize("payload", LEGACY, ids=lambda p: p.get("kind", "status_changed"))
def test_a_payload_written_before_the_contract_is_read_and_written_back_the_same(payload):
    push = read(payload)
    assert push is not None
    assert to_payload(push) == payload


def test_what_the_bot_cannot_read_is_none() -> None:
    status = to_payload(SAMPLES[0])
    assert read({**status, "kind": "something_new"}) is None  # a kind from a newer backend
    assert read({k: v for k, v in status.items() if k != "status"}) is None  # malformed
    assert read({**status, "kind": "handoff_position"}) is None  # the fields of another kind
    assert read({**to_payload(SAMPLES[7]), "cause": "bored"}) is None
    assert read(["not", "a", "payload"]) is None


def test_fields_a_kind_does_not_have_are_ignored_when_read() -> None:
    alert = to_payload(SAMPLES[5])
    assert read({**alert, "status": "assigned", "previous_status": "new"}) == SAMPLES[5]


def test_a_misspelt_field_is_refused_where_the_push_is_built() -> None:
    with pytest.raises(ValueError):
        TicketReply(**TO, staff="王工", txt="好的", occurred_at=NOW)


def test_a_payload_without_a_kind_is_a_status_change() -> None:
    assert pushes.kind_of({}) == PushKind.status_changed
    assert pushes.kind_of({"kind": "staff_alert"}) == PushKind.staff_alert
