"""Appointments: staff agree a date and window, the ticket is scheduled (the customer's chat
hears it), the on-site milestone is due at the end of the window, and the worker reminds the
customer exactly once, the day before, in the daytime."""

from __future__ import annotations

import uuid

import pytest

from backend.staff.enums import Role
from tests.backend.conftest import STAFF_HEADERS
from tests.backend.sla.conftest import at, detail, local, outbox


@pytest.fixture
def schedule(client):
    async def schedule(number: str, date: str = "2026-11-28", window: str = "morning",
                       note: str | None = None, headers: dict | None = None):
        return await client.post(f"/api/v1/tickets/{number}/schedule",
                                 json={"date": date, "window": window, "note": note},
                                 headers=headers or STAFF_HEADERS)

    return schedule


async def test_scheduling_moves_the_ticket_and_tells_the_customer(app, clock, create, client,
                                                                  schedule) -> None:
    number = (await create(key="k1")).json()["number"]

    response = await schedule(number, note="师傅周六上午到")

    assert response.status_code == 200, response.text
    ticket = response.json()
    assert ticket["status"] == "scheduled"
    assert (ticket["appointment_date"], ticket["appointment_window"]) == ("2026-11-28",
                                                                          "morning")
    assert at(ticket["on_site_due"]) == local(28, 12)  # the end of the morning window
    assert [(e["kind"], e["note"]) for e in ticket["events"][1:]] == [
        ("appointment", "2026-11-28 morning"), ("status_changed", "师傅周六上午到")]
    [push] = await outbox(app)
    assert "kind" not in push  # an ordinary status push
    assert (push["status"], push["previous_status"], push["note"]) == ("scheduled", "new",
                                                                       "师傅周六上午到")


async def test_rescheduling_keeps_the_status_and_tells_the_customer_again(app, clock, create,
                                                                          schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number)

    response = await schedule(number, date="2026-11-29", window="evening", note="改到周日晚上")

    ticket = response.json()
    assert response.status_code == 200 and ticket["status"] == "scheduled"
    assert at(ticket["on_site_due"]) == local(29, 20)
    first, second = await outbox(app)
    assert set(second) == set(first)
    assert (second["status"], second["previous_status"], second["note"]) == (
        "scheduled", "scheduled", "改到周日晚上")
    assert [e["kind"] for e in ticket["events"]].count("appointment") == 2


async def test_what_cannot_be_scheduled(clock, create, change_status, schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    assert (await schedule(number, date="2026-11-23")).status_code == 422  # yesterday
    assert (await schedule(number, window="night")).status_code == 422
    assert (await schedule("RS-20000101-0001")).status_code == 404
    await change_status(number, "cancelled")
    refused = await schedule(number)
    assert refused.status_code == 409
    assert "cannot go from cancelled to scheduled" in refused.json()["detail"]


async def test_the_reminder_goes_once_the_day_before_in_the_daytime(app, clock, create,
                                                                    schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number)  # Saturday 28 morning
    worker = app.state.sla_worker

    too_early = await worker.run_once(now=local(26, 12))  # Thursday
    at_night = await worker.run_once(now=local(27, 0, 5))  # Friday, before opening
    due = await worker.run_once(now=local(27, 8))
    later = await worker.run_once(now=local(27, 15))
    on_the_day = await worker.run_once(now=local(28, 8))

    assert too_early.reminders == at_night.reminders == later.reminders == []
    assert on_the_day.reminders == []
    assert due.reminders == [number]
    [reminder] = await outbox(app, "appointment_reminder")
    assert set(reminder) == {"event_id", "kind", "ticket_number", "ticket_type", "date",
                             "window", "channel", "chat_id", "language", "occurred_at"}
    assert (reminder["ticket_number"], reminder["date"], reminder["window"]) == (
        number, "2026-11-28", "morning")
    assert (reminder["channel"], reminder["chat_id"], reminder["language"]) == (
        "telegram", "42", "zh-Hans")
    assert uuid.UUID(reminder["event_id"])


async def test_a_moved_appointment_is_reminded_again_but_not_one_made_the_day_before(
        app, clock, create, schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    late = (await create(key="k2", customer_overrides={"chat_id": "43"})).json()["number"]
    worker = app.state.sla_worker
    await schedule(number)
    await worker.run_once(now=local(27, 9))  # reminded for Saturday

    clock.set(local(27, 10))
    await schedule(number, date="2026-11-30", window="afternoon")  # moved to Monday
    await schedule(late)  # Friday for Saturday: the push it gets is reminder enough
    await worker.run_once(now=local(27, 11))
    await worker.run_once(now=local(29, 9))
    await worker.run_once(now=local(29, 18))

    reminders = await outbox(app, "appointment_reminder")
    assert [(r["ticket_number"], r["date"]) for r in reminders] == [
        (number, "2026-11-28"), (number, "2026-11-30")]


async def test_no_reminder_for_a_ticket_no_longer_waiting(app, clock, create, change_status,
                                                          schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number)
    await change_status(number, "cancelled")
    assert (await app.state.sla_worker.run_once(now=local(27, 9))).reminders == []


async def test_technicians_schedule_their_own_tickets_only(app, clock, create, client,
                                                           schedule, add_staff,
                                                           token_for) -> None:
    number = (await create(key="k1")).json()["number"]
    technician = await add_staff("tech", Role.technician)
    headers = await token_for(technician)

    assert (await schedule(number, headers=headers)).status_code == 404
    await client.post(f"/api/v1/tickets/{number}/assign", json={"assignee": "tech"},
                      headers=STAFF_HEADERS)
    assert (await schedule(number, headers=headers)).status_code == 200
    assert (await detail(client, number))["status"] == "scheduled"


# ---- the customer's answer --------------------------------------------------------------------

APPOINTMENT = "/api/v1/customers/telegram/42/tickets/{number}/appointment"


async def answer(client, number: str, action: str, body: dict | None = None):
    from tests.backend.conftest import SERVICE_HEADERS

    return await client.post(f"{APPOINTMENT.format(number=number)}/{action}",
                             json=body or {}, headers=SERVICE_HEADERS)


async def test_the_scheduled_push_carries_the_date_and_window(app, clock, create,
                                                              schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number, window="afternoon")
    await schedule(number, date="2026-11-29", window="evening")

    first, second = await outbox(app)
    assert first["appointment"] == {"date": "2026-11-28", "window": "afternoon"}
    assert second["appointment"] == {"date": "2026-11-29", "window": "evening"}


async def test_the_customer_confirms_the_appointment(app, clock, client, create,
                                                     schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number)

    response = await answer(client, number, "confirm")

    assert response.status_code == 200, response.text
    ticket = await detail(client, number)
    assert at(ticket["appointment_confirmed_at"]) == local(24, 9)
    assert (ticket["events"][-1]["kind"], ticket["events"][-1]["actor"],
            ticket["events"][-1]["note"]) == ("appointment_confirmed", "customer:telegram:42",
                                              "2026-11-28 morning")
    assert len(await outbox(app)) == 1  # the bot answers; nothing is pushed


async def test_another_time_waits_for_the_dispatcher_until_staff_schedule_again(
        app, clock, client, create, schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    await schedule(number)
    await answer(client, number, "confirm")

    response = await answer(client, number, "change", {"requested": " 2026-11-30 afternoon "})

    assert response.status_code == 200, response.text
    ticket = await detail(client, number)
    assert (ticket["appointment_request"], ticket["appointment_confirmed_at"]) == (
        "2026-11-30 afternoon", None)
    assert (ticket["appointment_date"], ticket["status"]) == ("2026-11-28", "scheduled")
    assert (ticket["events"][-1]["kind"], ticket["events"][-1]["note"]) == (
        "appointment_change_requested", "2026-11-30 afternoon")
    waiting = await client.get("/api/v1/tickets", headers=STAFF_HEADERS)
    assert waiting.json()["items"][0]["appointment_request"] == "2026-11-30 afternoon"

    moved = (await schedule(number, date="2026-11-30", window="afternoon")).json()
    assert (moved["appointment_request"], moved["appointment_date"]) == (None, "2026-11-30")


async def test_what_cannot_be_answered(clock, client, create, schedule) -> None:
    number = (await create(key="k1")).json()["number"]
    unscheduled = await answer(client, number, "confirm")
    assert unscheduled.status_code == 409 and "no appointment" in unscheduled.text
    await schedule(number)
    assert (await answer(client, number, "change", {"requested": ""})).status_code == 422
    assert (await answer(client, number, "change", {})).status_code == 422
    assert (await answer(client, number, "change",
                         {"requested": "x" * 201})).status_code == 422
    assert (await answer(client, "RS-20000101-0001", "confirm")).status_code == 404
    others = (await create(key="k2", customer_overrides={"chat_id": "99"})).json()["number"]
    await schedule(others)
    assert (await answer(client, others, "confirm")).status_code == 404  # not theirs
