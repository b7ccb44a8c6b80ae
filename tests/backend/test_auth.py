"""Who may call what: the bot (internal secret) and staff (staff token) each only their routes."""

from __future__ import annotations

import pytest

from tests.backend.conftest import INTERNAL_SECRET, SERVICE_HEADERS, STAFF_HEADERS, STAFF_TOKEN
from tests.backend.factories import ticket_body

SERVICE_ROUTES = [
    ("POST", "/api/v1/tickets"),
    ("GET", "/api/v1/customers/telegram/42/tickets"),
    ("GET", "/api/v1/customers/telegram/42/tickets/RS-20261124-0001"),
]
STAFF_ROUTES = [
    ("GET", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/RS-20261124-0001"),
    ("POST", "/api/v1/tickets/RS-20261124-0001/status"),
]
WRONG = [
    None,
    {"Authorization": "Bearer nope"},
    {"Authorization": "Basic " + INTERNAL_SECRET},
    {"Authorization": INTERNAL_SECRET},
    {"Authorization": "Bearer " + INTERNAL_SECRET + "x"},
    {"Authorization": "Bearer ключ".encode()},
]


async def _call(client, method: str, path: str, headers: dict | None):
    body = ticket_body() if path == "/api/v1/tickets" else {"status": "assigned"}
    return await client.request(method, path, headers={"Idempotency-Key": "k", **(headers or {})},
                                json=body if method == "POST" else None)


@pytest.mark.parametrize("route", SERVICE_ROUTES + STAFF_ROUTES)
async def test_missing_or_wrong_token_is_401(client, route) -> None:
    for headers in WRONG:
        response = await _call(client, *route, headers)
        assert response.status_code == 401, (route, headers)
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("route", SERVICE_ROUTES)
async def test_staff_token_does_not_open_service_routes(client, route) -> None:
    assert (await _call(client, *route, STAFF_HEADERS)).status_code == 401


@pytest.mark.parametrize("route", STAFF_ROUTES)
async def test_service_token_does_not_open_staff_routes(client, route) -> None:
    assert (await _call(client, *route, SERVICE_HEADERS)).status_code == 401


async def test_right_tokens_pass(client) -> None:
    assert (await _call(client, *SERVICE_ROUTES[0], SERVICE_HEADERS)).status_code == 201
    assert (await _call(client, *STAFF_ROUTES[0], STAFF_HEADERS)).status_code == 200
    assert STAFF_TOKEN != INTERNAL_SECRET


async def test_health_and_docs_are_open(client) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200
