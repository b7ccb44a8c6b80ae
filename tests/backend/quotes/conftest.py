"""Quote test fixtures and helpers: staff of every role and two technicians (the parts tests'),
a customer's product bought some time before the test day, a repair ticket about it, the
quote routes, the pushes in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pytest

from backend.kernel.clock import local_now
from tests.backend.conftest import SERVICE_HEADERS, STAFF_HEADERS
from tests.backend.customers.roles import role_headers  # noqa: F401
from tests.backend.parts.conftest import (  # noqa: F401
    add_staff,
    cheap_password_hashing,
    clock,
    post,
    stock_technician,
    technicians,
    token_for,
)
from tests.backend.sla.conftest import outbox  # noqa: F401

CHAT = "/api/v1/customers/telegram/42"


def today() -> date:
    return local_now("Asia/Shanghai").date()


def bought(days_ago: int) -> str:
    """A purchase date `days_ago` before the test day."""
    return (today() - timedelta(days=days_ago)).isoformat()


# Fridges (冰箱): the whole unit 1 year, the compressor 3 (backend/products/policies.yml).
IN_WARRANTY, MAIN_PARTS_ONLY, EXPIRED = 100, 2 * 365, 5 * 365


@pytest.fixture
def repair(create, client: httpx.AsyncClient) -> Callable:
    """`await repair(days_ago=EXPIRED, chat="42", assignee=None, **ticket)`: a repair of the
    customer's fridge bought `days_ago` (None: no product registered); its number."""
    keys = iter(range(1, 1000))

    async def open_repair(days_ago: int | None = EXPIRED, chat: str = "42",
                          assignee: str | None = None, **overrides) -> str:
        n = next(keys)
        if days_ago is not None:
            product = await client.post(
                f"/api/v1/customers/telegram/{chat}/products", headers=SERVICE_HEADERS,
                json={"category": "冰箱", "serial": f"SN-{chat}-{n}",
                      "purchase_date": bought(days_ago)})
            assert product.status_code in (200, 201), product.text
            overrides.setdefault("product_id", product.json()["id"])
        response = await create(key=f"quote-{chat}-{n}", customer_overrides={"chat_id": chat},
                                **overrides)
        assert response.status_code == 201, response.text
        number = response.json()["number"]
        if assignee:
            assigned = await client.post(f"/api/v1/tickets/{number}/assign",
                                         json={"assignee": assignee}, headers=STAFF_HEADERS)
            assert assigned.status_code == 200, assigned.text
        return number

    return open_repair


@pytest.fixture
def quote(client: httpx.AsyncClient) -> Callable:
    """`await quote(number, items=[...], parts=[...], headers=..., expect=201)`: the JSON."""

    async def build(number: str, headers: dict | None = None, expect: int = 201,
                    **body) -> dict:
        response = await client.post(f"/api/v1/tickets/{number}/quotes", json=body,
                                     headers=headers or STAFF_HEADERS)
        assert response.status_code == expect, response.text
        return response.json()

    return build


@pytest.fixture
def answer(client: httpx.AsyncClient) -> Callable:
    """`await answer(number, "accept" | "decline", version, chat="42", **body)`: the
    response."""

    async def send(number: str, action: str, version: int, chat: str = "42",
                   **body) -> httpx.Response:
        return await client.post(
            f"/api/v1/customers/telegram/{chat}/tickets/{number}/quote/{action}",
            json={"version": version, **body}, headers=SERVICE_HEADERS)

    return send


async def quotes_of(client: httpx.AsyncClient, number: str,
                    headers: dict | None = None) -> dict:
    response = await client.get(f"/api/v1/tickets/{number}/quotes",
                                headers=headers or STAFF_HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def events(client: httpx.AsyncClient, number: str) -> list[dict]:
    ticket = (await client.get(f"/api/v1/tickets/{number}", headers=STAFF_HEADERS)).json()
    return [e for e in ticket["events"] if e["kind"].startswith(("quote_", "payment_"))]
