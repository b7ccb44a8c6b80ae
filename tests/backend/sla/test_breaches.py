"""The SLA worker marks a milestone past its due time as breached, once, and alerts staff: an
`sla_breached` event, the open-breaches list and, with STAFF_ALERT_CHAT_ID, a staff alert
push."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.app import create_app
from backend.kernel.config import Settings
from backend.sla.models import SlaBreach
from backend.staff.enums import Role
from backend.tickets.models import Ticket, TicketEvent
from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.factories import ticket_body
from tests.backend.sla.conftest import at, detail, local, outbox
from tests.support.auth import CallerAuth

BREACHES = "/api/v1/sla/breaches"
ALERT_CHAT = "-1001234567890"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, staff_alert_chat_id=ALERT_CHAT)


async def breaches(client, **params) -> dict:
    response = await client.get(BREACHES, params=params, headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_missed_first_response_is_breached_once_and_staff_are_alerted(
        app, clock, create, client) -> None:
    number = (await create(key="k1", address="北京市朝阳区建国路199号")).json()["number"]
    worker = app.state.sla_worker

    early = await worker.run_once(now=local(24, 10, 59))
    late = await worker.run_once(now=local(24, 11, 1))
    again = await worker.run_once(now=local(24, 11, 30))

    assert early.breaches == [] and again.breaches == []
    [breach] = late.breaches
    assert (breach.ticket_number, breach.milestone) == (number, "first_response")
    clock.set(local(24, 11, 30))
    ticket = await detail(client, number)
    assert at(ticket["sla_breached_at"]) == local(24, 11, 1)
    assert ticket["sla_breached_milestone"] == "first_response"
    assert ticket["sla_state"] == "overdue"
    [event] = [e for e in ticket["events"] if e["kind"] == "sla_breached"]
    assert event["actor"] == "system:sla" and event["note"].startswith("first_response was due")

    [alert] = await outbox(app, "staff_alert")
    assert set(alert) == {"event_id", "kind", "channel", "chat_id", "language",
                          "ticket_number", "milestone", "due_at", "text", "occurred_at"}
    assert (alert["channel"], alert["chat_id"], alert["language"]) == (
        "telegram", ALERT_CHAT, "zh-Hans")
    assert alert["ticket_number"] == number and alert["event_id"] == breach.event_id
    assert uuid.UUID(alert["event_id"])
    assert alert["text"] == "首次响应已超时（时限 11-24 11:00，优先级 normal，北京朝阳区）"
    assert "phone" not in alert and "address" not in alert

    listed = await breaches(client)
    assert listed["total"] == 1
    assert listed["items"][0] | {"due_at": None, "breached_at": None} == {
        "ticket_number": number, "ticket_type": "repair", "priority": "normal",
        "status": "new", "milestone": "first_response", "due_at": None, "breached_at": None,
        "city": "北京", "district": "朝阳区", "outlet_id": 1}


async def test_every_milestone_is_breached_once_and_a_met_one_leaves_the_open_list(
        app, clock, create, change_status, client) -> None:
    number = (await create(key="k1")).json()["number"]
    worker = app.state.sla_worker
    # 2 h, 24 h and 72 h later: first response, on-site, resolution all missed.
    done = await worker.run_once(now=local(27, 10))
    assert sorted(b.milestone for b in done.breaches) == ["first_response", "on_site",
                                                          "resolution"]
    assert (await worker.run_once(now=local(28, 10))).breaches == []
    assert len(await outbox(app, "staff_alert")) == 3

    clock.set(local(27, 11))
    await change_status(number, "in_progress")  # first response and on-site, late

    assert [b["milestone"] for b in (await breaches(client))["items"]] == ["resolution"]
    assert (await breaches(client, open_only="false"))["total"] == 3
    ticket = await detail(client, number)
    assert at(ticket["sla_breached_at"]) == local(27, 10)  # the first breach stays


@pytest.fixture
async def app_without_alerts(database_url: str) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(database_url))
    async with app.router.lifespan_context(app):
        yield app


async def test_no_alert_push_without_a_staff_chat(app_without_alerts, clock) -> None:
    app = app_without_alerts
    async with httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), transport=httpx.ASGITransport(app),
                                 base_url="http://backend.test") as client:
        await client.post("/api/v1/tickets", json=ticket_body(),
                          headers={**SERVICE_HEADERS, "Idempotency-Key": "k1"})

    done = await app.state.sla_worker.run_once(now=local(24, 12))

    assert [(b.milestone, b.event_id) for b in done.breaches] == [("first_response", None)]
    assert await outbox(app) == []


async def test_a_staff_event_written_elsewhere_is_the_first_response(app, clock, create,
                                                                     client) -> None:
    """A note or an assignment written by other code (not a status change) counts: the worker
    reads the record before it looks for breaches."""
    number = (await create(key="k1")).json()["number"]
    async with app.state.sessionmaker() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        session.add(TicketEvent(ticket_id=ticket.id, kind="note", actor="staff:alice",
                                note="called the customer", created_at=local(24, 10)))
        session.add(TicketEvent(ticket_id=ticket.id, kind="feedback", actor="customer:x:1",
                                created_at=local(24, 9, 30)))
        await session.commit()

    done = await app.state.sla_worker.run_once(now=local(24, 12))

    assert done.first_responses == 1 and done.breaches == []
    ticket = await detail(client, number)
    assert at(ticket["sla_due_at"]) == at(ticket["on_site_due"])
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(Ticket.first_responded_at))).scalar_one() == (
            local(24, 10))


async def test_the_resolution_clock_waits_while_the_customer_is_asked_to_accept(
        app, clock, create, change_status, client) -> None:
    number = (await create(key="k1")).json()["number"]
    await change_status(number, "in_progress")
    response = await client.post(f"/api/v1/tickets/{number}/complete", headers=STAFF_HEADERS,
                                 json={"diagnosis": "未发现故障", "fault_category": "NFF",
                                       "checklist": {"test_run": True, "usage_explained": True,
                                                     "site_cleaned": True}})
    assert response.status_code == 200, response.text

    done = await app.state.sla_worker.run_once(now=local(27, 10))  # past the 72 h

    assert done.breaches == []
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(SlaBreach))).first() is None


async def test_who_sees_breaches_and_policies(client, headers_of) -> None:
    for role in Role:
        headers = await headers_of(role)
        listed = (await client.get(BREACHES, headers=headers)).status_code
        assert listed == (403 if role == Role.technician else 200)
        policies = await client.get("/api/v1/sla/policies", headers=headers)
        assert policies.status_code == 200
    by_type = {(p["ticket_type"], p["priority"], p["customer_tier"]):
               (p["first_response_minutes"], p["on_site_minutes"], p["resolution_minutes"],
                p["business_hours_only"])
               for p in policies.json()}
    assert by_type[("repair", None, None)] == (120, 1440, 4320, False)
    assert by_type[("complaint", None, None)] == (240, None, 2160, True)
    assert len(by_type) == 10
