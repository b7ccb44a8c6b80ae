"""Acceptance (验收) as the service levels see it: a job recorded as done (its completion with
the service record: tests/backend/service_records) awaits the customer, and its resolution
clock waits; the customer's answer to the buttons shown before service records (accept,
reject) still counts; no answer in time resolves it automatically."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.staff.enums import Role
from backend.tickets.models import Ticket
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.sla.conftest import at, detail, local, outbox

CHECKLIST = {"test_run": True, "usage_explained": True, "site_cleaned": True}


def finished(**overrides) -> dict:
    """A completion of a fridge repair with no chargeable work (nothing to quote)."""
    return {"diagnosis": "温控器接触不良，已重新紧固", "fault_category": "RF-SENSOR",
            "work_items": [], "parts": [], "checklist": CHECKLIST, **overrides}


@pytest.fixture
def complete(client):
    async def complete(number: str, headers: dict | None = None, **body):
        return await client.post(f"/api/v1/tickets/{number}/complete", json=finished(**body),
                                 headers=headers or STAFF_HEADERS)

    return complete


@pytest.fixture
async def done(clock, create, change_status, complete) -> str:
    """A repair in progress since 10:00, completed at 11:00."""
    number = (await create(key="k1")).json()["number"]
    clock.set(local(24, 10))
    await change_status(number, "in_progress")
    clock.set(local(24, 11))
    assert (await complete(number, note="换了压缩机继电器")).status_code == 200
    return number


async def answer(client, number: str, action: str, chat: str = "42", **body):
    return await client.post(f"/api/v1/customers/telegram/{chat}/tickets/{number}/{action}",
                             json=body, headers=SERVICE_HEADERS)


async def test_a_completed_job_waits_for_the_customer(app, done, client, complete) -> None:
    ticket = await detail(client, done)
    assert ticket["status"] == "in_progress"
    assert at(ticket["awaiting_acceptance_since"]) == local(24, 11)
    [event] = [e for e in ticket["events"] if e["kind"] == "acceptance_requested"]
    assert (event["actor"], event["note"]) == ("staff:api", "换了压缩机继电器")
    assert ticket["sla_due_at"] is None  # the resolution clock waits for the customer

    assert (await complete(done)).status_code == 409  # done already: correct the record
    [request] = await outbox(app, "service_record")
    assert (request["ticket_number"], request["channel"], request["chat_id"],
            request["language"], request["version"]) == (done, "telegram", "42", "zh-Hans", 1)
    assert await outbox(app, "acceptance_request") == []


async def test_an_earlier_accept_button_still_resolves_it_as_of_the_work(app, clock, done,
                                                                         client) -> None:
    clock.set(local(24, 20))
    status_pushes = len(await outbox(app, "status_changed"))

    response = await answer(client, done, "accept")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "resolved"
    # The bot answers the customer itself: no status push (a survey may follow: surveys').
    assert len(await outbox(app, "status_changed")) == status_pushes
    ticket = await detail(client, done)
    assert ticket["awaiting_acceptance_since"] is None
    assert ticket["resolved_by"] == "confirmed"
    [change] = [e for e in ticket["events"] if e["to_status"] == "resolved"]
    assert (change["actor"], change["note"]) == ("customer:telegram:42",
                                                 "accepted by the customer")
    async with app.state.sessionmaker() as session:
        resolved_at = (await session.execute(select(Ticket.resolved_at))).scalar_one()
    assert resolved_at == local(24, 11)

    again = await answer(client, done, "accept")
    assert again.status_code == 409 and "awaits no acceptance" in again.json()["detail"]


async def test_an_earlier_reject_button_sends_it_back(app, clock, done, client) -> None:
    clock.set(local(24, 12))

    response = await answer(client, done, "reject", note="还是不制冷")

    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    ticket = await detail(client, done)
    assert ticket["awaiting_acceptance_since"] is None
    [event] = [e for e in ticket["events"] if e["kind"] == "acceptance_rejected"]
    assert (event["actor"], event["note"]) == ("customer:telegram:42", "还是不制冷")
    assert at(ticket["sla_due_at"]) == at(ticket["resolution_due"])  # its clock runs again
    assert (await answer(client, done, "reject")).status_code == 409
    assert (await answer(client, done, "accept")).status_code == 409


async def test_only_the_tickets_customer_answers(create, done, client) -> None:
    await create(key="other", customer_overrides={"chat_id": "99"})
    assert (await answer(client, done, "accept", chat="99")).status_code == 404
    assert (await answer(client, done, "reject", chat="nobody")).status_code == 404
    assert (await answer(client, "RS-20000101-0001", "accept")).status_code == 404
    fresh = (await create(key="k9")).json()["number"]
    assert (await answer(client, fresh, "accept")).status_code == 409


async def test_a_job_completed_before_it_was_started_is_in_progress(app, clock, create,
                                                                    change_status,
                                                                    complete) -> None:
    number = (await create(key="k1")).json()["number"]
    await change_status(number, "assigned")

    response = await complete(number)

    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    kinds = [(e["kind"], e["to_status"]) for e in response.json()["events"]]
    assert kinds[-3:] == [("status_changed", "in_progress"), ("record_written", None),
                          ("acceptance_requested", None)]
    pushes = await outbox(app)
    assert [p.get("kind") for p in pushes] == [None, "service_record"]  # assigned, the record
    assert pushes[0]["status"] == "assigned"

    await change_status(number, "resolved", override_reason="客户电话确认")
    assert (await complete(number)).status_code == 409
    assert (await complete("RS-20000101-0001")).status_code == 404


async def test_no_answer_in_time_resolves_it(app, clock, done, client) -> None:
    worker = app.state.sla_worker

    before = await worker.run_once(now=local(27, 10, 59))  # 71 h 59 min after
    after = await worker.run_once(now=local(27, 11, 1))
    again = await worker.run_once(now=local(27, 12))

    assert before.auto_resolved == [] and again.auto_resolved == []
    assert after.auto_resolved == [done]
    ticket = await detail(client, done)
    assert (ticket["status"], ticket["resolved_by"]) == ("resolved", "timeout")
    [event] = [e for e in ticket["events"] if e["kind"] == "acceptance_timeout"]
    assert event["actor"] == "system:acceptance"
    assert event["note"] == "no answer to the acceptance request within 72 h: resolved"
    resolved_push = (await outbox(app, "status_changed"))[-1]
    assert (resolved_push["status"], resolved_push["note"]) == ("resolved", None)


async def test_who_may_complete_a_job(clock, create, change_status, complete,
                                      headers_of) -> None:
    for role in Role:
        number = (await create(key=f"k-{role}")).json()["number"]
        await change_status(number, "in_progress")
        response = await complete(number, headers=await headers_of(role))
        allowed = role in (Role.supervisor, Role.admin)  # a technician: only if assigned
        assert response.status_code == (200 if allowed else 404 if role == Role.technician
                                        else 403), role
