"""Every ticket carries its due times from the most specific SLA policy, computed at creation
(in business hours where the policy says so) and again when its priority rises; milestones are
met by the first staff event, in_progress and resolved; the staff list filters and sorts by
the SLA state of the next pending milestone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy import update

from backend.app import create_app
from backend.customers.models import Customer
from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, STAFF_HEADERS, make_settings
from tests.backend.factories import ticket_body
from tests.backend.sla.conftest import SHANGHAI, at, detail, local
from tests.support.auth import CallerAuth

CUSTOMER = "/api/v1/customers/telegram/42/tickets"


async def due_times(client, number: str) -> tuple:
    ticket = await detail(client, number)
    return tuple(at(ticket[f]) for f in ("first_response_due", "on_site_due", "resolution_due",
                                         "sla_due_at", "sla_warn_at"))


async def test_a_normal_repair_gets_2_24_72_hours_around_the_clock(clock, create,
                                                                   client) -> None:
    clock.set(local(24, 19))  # Tuesday evening: no business hours in this policy
    number = (await create(key="k1")).json()["number"]

    first, on_site, resolution, next_due, warn = await due_times(client, number)

    assert (first, on_site, resolution) == (local(24, 21), local(25, 19), local(27, 19))
    assert (next_due, warn) == (local(24, 21), local(24, 20, 30))  # a quarter of 2 h left
    assert (await detail(client, number))["sla_state"] == "on_track"


@pytest.mark.parametrize(("priority", "hours"), [
    ("urgent", (0.5, 4, 24)), ("high", (1, 12, 48)), ("low", (2, 24, 72)),
])
async def test_priority_picks_the_policy(clock, create, client, priority, hours) -> None:
    number = (await create(key="k1", priority=priority)).json()["number"]
    first, on_site, resolution, *_ = await due_times(client, number)
    start = local(24, 9)
    assert [(t - start).total_seconds() / 3600 for t in (first, on_site, resolution)] == [
        *hours]


async def test_a_complaint_counts_business_hours_overnight(clock, create, client) -> None:
    """4 business hours to respond, 36 to resolve (three days of 08:00-20:00)."""
    clock.set(local(24, 19))
    number = (await create(key="k1", type="complaint", address=None, phone=None)).json()["number"]

    first, on_site, resolution, next_due, warn = await due_times(client, number)

    assert (first, on_site, resolution) == (local(25, 11), None, local(27, 19))
    assert warn == local(25, 10)  # the last business hour, not the night before


@pytest.fixture
async def weekdays_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A backend whose business days are Monday to Friday."""
    app = create_app(make_settings(database_url, business_days="1-5"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(auth=CallerAuth(INTERNAL_SECRET), 
            transport=httpx.ASGITransport(app), base_url="http://backend.test") as client:
        yield client


async def test_a_complaint_waits_for_monday_when_weekends_are_off(clock,
                                                                  weekdays_client) -> None:
    clock.set(local(27, 19))  # Friday evening
    response = await weekdays_client.post(
        "/api/v1/tickets", json=ticket_body(type="complaint"),
        headers={**SERVICE_HEADERS, "Idempotency-Key": "k1"})

    first, _, resolution, *_ = await due_times(weekdays_client, response.json()["number"])

    assert first == local(30, 11)  # 1 h on Friday, 3 h from Monday 08:00
    # 36 h: 1 on Friday, 12 on Monday and Tuesday, 11 on Wednesday
    assert resolution == datetime(2026, 12, 2, 19, tzinfo=SHANGHAI)


async def test_inquiries_and_returns_have_no_on_site_clock(clock, create, client) -> None:
    inquiry = (await create(key="k1", type="inquiry", address=None, phone=None)).json()
    exchange = (await create(key="k2", type="return_exchange", address=None,
                             phone=None)).json()
    assert (await due_times(client, inquiry["number"]))[:3] == (
        local(24, 11), None, local(26, 9))  # 2 and 24 business hours (11 + 12 + 1)
    assert (await due_times(client, exchange["number"]))[:3] == (
        local(24, 13), None, local(28, 9))  # 4 and 48 business hours (11 + 3 × 12 + 1)


async def test_a_vip_customer_gets_their_tier_policy(app, clock, create, client) -> None:
    await create(key="k0")  # makes the customer
    async with app.state.sessionmaker() as session:
        await session.execute(update(Customer).values(tier="vip"))
        await session.commit()

    number = (await create(key="k1")).json()["number"]

    first, on_site, resolution, *_ = await due_times(client, number)
    assert (first, on_site, resolution) == (local(24, 10), local(24, 21), local(26, 9))


async def test_expediting_recomputes_the_due_times_from_the_creation(clock, create,
                                                                     client) -> None:
    number = (await create(key="k1")).json()["number"]
    clock.advance(hours=1)

    response = await client.post(f"{CUSTOMER}/{number}/expedite", json={},
                                 headers=SERVICE_HEADERS)

    assert response.json()["priority_raised"] is True
    first, on_site, resolution, next_due, _ = await due_times(client, number)
    assert (first, on_site, resolution) == (local(24, 10), local(24, 21), local(26, 9))
    assert next_due == first


async def test_milestones_move_the_next_due_time(clock, create, change_status,
                                                 client) -> None:
    number = (await create(key="k1")).json()["number"]
    first, on_site, resolution, *_ = await due_times(client, number)

    clock.set(local(24, 9, 30))
    await change_status(number, "assigned")
    ticket = await detail(client, number)
    assert at(ticket["sla_due_at"]) == on_site

    clock.set(local(24, 15))
    await change_status(number, "in_progress")
    assert at((await detail(client, number))["sla_due_at"]) == resolution

    clock.set(local(24, 16))
    await change_status(number, "resolved")
    ticket = await detail(client, number)
    assert ticket["sla_due_at"] is None and ticket["sla_state"] is None

    await change_status(number, "reopened")
    assert at((await detail(client, number))["sla_due_at"]) == resolution


async def test_a_customer_cancelling_stops_the_clocks_but_is_no_response(clock, create,
                                                                         client) -> None:
    number = (await create(key="k1")).json()["number"]
    await client.post(f"{CUSTOMER}/{number}/cancel", json={"reason": "solved"},
                      headers=SERVICE_HEADERS)
    ticket = await detail(client, number)
    assert ticket["sla_due_at"] is None and ticket["first_response_due"] is not None


async def test_the_staff_list_filters_by_sla_state_and_sorts_by_due_time(clock, create,
                                                                         client) -> None:
    # Repairs: first response due 2 h after creation, nearly due in its last 30 minutes.
    numbers = {}
    for name, hour in (("old", 6), ("middle", 8), ("new", 10)):
        clock.set(local(24, hour))
        numbers[name] = (await create(key=name, customer_overrides={"chat_id": name})
                         ).json()["number"]
    clock.set(local(24, 9, 45))  # old: due 08:00; middle: due 10:00; new: due 12:00

    async def listed(**params) -> list[str]:
        page = await client.get("/api/v1/tickets", params=params, headers=STAFF_HEADERS)
        assert page.status_code == 200, page.text
        return [item["number"] for item in page.json()["items"]]

    assert await listed(sla_state="overdue") == [numbers["old"]]
    assert await listed(sla_state="nearly_due") == [numbers["middle"]]
    assert await listed(sla_state="on_track") == [numbers["new"]]
    assert await listed(sort="due") == [numbers["old"], numbers["middle"], numbers["new"]]
    assert await listed() == [numbers["new"], numbers["middle"], numbers["old"]]
    items = (await client.get("/api/v1/tickets", headers=STAFF_HEADERS)).json()["items"]
    assert [item["sla_state"] for item in items] == ["on_track", "nearly_due", "overdue"]
    assert (await client.get("/api/v1/tickets", params={"sla_state": "late"},
                             headers=STAFF_HEADERS)).status_code == 422
