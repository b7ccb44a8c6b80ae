"""Service-record test fixtures and helpers: the quotes tests' customer product, repair
ticket, quote and answer fixtures (with the parts tests' technicians and stock), a valid
completion, the customer's answers, the record as staff read it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.quotes.conftest import (  # noqa: F401
    EXPIRED,
    IN_WARRANTY,
    add_staff,
    answer,
    cheap_password_hashing,
    clock,
    post,
    quote,
    repair,
    role_headers,
    stock_technician,
    technicians,
    token_for,
)
from tests.backend.sla.conftest import detail, outbox  # noqa: F401

CHECKLIST = {"test_run": True, "usage_explained": True, "site_cleaned": True}
# A fridge's compressor replaced: the major repair and the part.
DIAGNOSIS = "压缩机启动继电器烧坏，压缩机卡缸"
COMPRESSOR = "RF-CMP"


def completion(**overrides) -> dict:
    """A valid completion body (a fridge's compressor replaced), anything overridden."""
    return {"diagnosis": DIAGNOSIS, "fault_category": "RF-COMP", "work_items": ["RF-MAJOR"],
            "parts": [{"part_number": COMPRESSOR, "quantity": 1}], "checklist": CHECKLIST,
            "note": "客户在场", **overrides}


@pytest.fixture
def complete(client: httpx.AsyncClient) -> Callable:
    """`await complete(number, headers=STAFF_HEADERS, **body overrides)`: the response."""

    async def send(number: str, headers: dict | None = None, **overrides) -> httpx.Response:
        return await client.post(f"/api/v1/tickets/{number}/complete",
                                 json=completion(**overrides), headers=headers or STAFF_HEADERS)

    return send


@pytest.fixture
async def done(repair, technicians, stock_technician, complete) -> str:
    """An in-warranty fridge repair by tech-a, its compressor replaced: completed (version 1
    awaits the customer's confirmation); its number."""
    tech = technicians[0]
    await stock_technician(tech.username, COMPRESSOR, 1)
    number = await repair(days_ago=IN_WARRANTY, assignee=tech.username)
    response = await complete(number, headers=tech.headers)
    assert response.status_code == 200, response.text
    return number


@pytest.fixture
def respond(client: httpx.AsyncClient) -> Callable:
    """`await respond(number, "confirm" | "not-fixed", chat="42", **body)`: the response."""

    async def send(number: str, action: str, chat: str = "42", **body) -> httpx.Response:
        return await client.post(
            f"/api/v1/customers/telegram/{chat}/tickets/{number}/record/{action}",
            json=body, headers=SERVICE_HEADERS)

    return send


async def record_of(client: httpx.AsyncClient, number: str, version: int | None = None,
                    headers: dict | None = None) -> dict:
    query = f"?version={version}" if version else ""
    response = await client.get(f"/api/v1/tickets/{number}/record{query}",
                                headers=headers or STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def verified(client: httpx.AsyncClient, number: str, version: int) -> dict:
    response = await client.get(f"/api/v1/tickets/{number}/record/verify?version={version}",
                                headers=STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def events_of(client: httpx.AsyncClient, number: str, *kinds: str) -> list[dict]:
    ticket = await detail(client, number)
    return [e for e in ticket["events"] if not kinds or e["kind"] in kinds]
